/**
 * derivation: Nix 2.8's store derivations (.drv files) in TypeScript: the
 * ATerm text (libstore/derivations.cc unparse / parseDerivation), the
 * modulo hash that input-addressed output paths come from, and
 * `makeInputAddressedDerivation`, which gives what `nix-instantiate` writes
 * for `derivation { name; system; builder; args; … }` (libexpr/primops.cc
 * derivationStrict) without evaluating anything.
 *
 * Does not: write to the store (the caller adds `text` under `drvPath`),
 * compute string context (the caller lists every store path the strings
 * mention in `inputSrcs` / `inputDrvs`, as Nix's context would), or make
 * fixed-output, content-addressed, impure or structured-attrs derivations.
 * Strings are JS strings written as UTF-8; Nix strings that are not UTF-8
 * cannot be represented.
 */
import { isStorePath, isValidStoreName, makeOutputPath, makeTextPath, sha256Hex } from './storePath.js';
import { sortedSet, sortUtf8 } from './utf8Order.js';

export interface DerivationOutput {
  /** The output path; '' while masked or deferred. */
  path: string;
  /** '' for input-addressed outputs; e.g. 'r:sha256' for fixed or floating ones. */
  hashAlgo: string;
  /** Base-16 hash of a fixed output; '' otherwise. */
  hash: string;
}

export interface Derivation {
  outputs: Record<string, DerivationOutput>;
  /** .drv path → the names of its outputs used. */
  inputDrvs: Record<string, readonly string[]>;
  inputSrcs: readonly string[];
  system: string;
  builder: string;
  args: readonly string[];
  env: Record<string, string>;
}

export interface UnparseOptions {
  /** Write output paths, and env values named after outputs, as "" (the text hashed for output paths). */
  maskOutputs?: boolean;
  /** Write these in place of `inputDrvs` (hashDerivationModulo puts input hashes where paths were). */
  inputDrvsOverride?: Record<string, readonly string[]>;
}

function sortedKeys(o: object): string[] {
  return sortUtf8(Object.keys(o));
}

const NEEDS_ESCAPE = /["\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** printString: builder, args and env are quoted with \" \\ \n \r \t escaped; nothing else is. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(/["\\\n\r\t]/g, (c) => ESCAPES[c]!)}"` : `"${s}"`;
}

/** printUnquotedString: output names, paths, hash fields and system go in quotes unescaped. */
function unquotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => `"${x}"`).join(',')}]`;
}

/** The ATerm text, byte for byte as Nix 2.8 writes it (once encoded as UTF-8). */
export function unparseDerivation(drv: Derivation, opts: UnparseOptions = {}): string {
  const mask = opts.maskOutputs ?? false;
  return `${outputsPart(drv, mask)}${inputDrvsPart(opts.inputDrvsOverride ?? drv.inputDrvs)}${restPart(drv, mask)}`;
}

// The text in three parts, so that texts differing only in the input derivations can share the rest.
function outputsPart(drv: Derivation, mask: boolean): string {
  const outputs = sortedKeys(drv.outputs).map((name) => {
    const o = drv.outputs[name]!;
    return `("${name}","${mask ? '' : o.path}","${o.hashAlgo}","${o.hash}")`;
  });
  return `Derive([${outputs.join(',')}],`;
}

function inputDrvsPart(inputs: Record<string, readonly string[]>): string {
  return `[${sortedKeys(inputs)
    .map((p) => `("${p}",${unquotedList(sortedSet(inputs[p]!))})`)
    .join(',')}],`;
}

function restPart(drv: Derivation, mask: boolean): string {
  const env = sortedKeys(drv.env).map((k) => {
    const value = mask && Object.hasOwn(drv.outputs, k) ? '' : drv.env[k]!;
    return `(${quote(k)},${quote(value)})`;
  });
  return (
    `${unquotedList(sortedSet(drv.inputSrcs))},"${drv.system}",${quote(drv.builder)},` +
    `[${drv.args.map(quote).join(',')}],[${env.join(',')}])`
  );
}

/** Assigns an own property even for keys like "__proto__". */
function put<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads the ATerm text of a .drv file. Throws with the offset on malformed text. */
export function parseDerivation(text: string): Derivation {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`malformed derivation at offset ${pos}: expected ${what}, found '${text.slice(pos, pos + 20)}'`);
  };
  const expect = (lit: string): void => {
    if (!text.startsWith(lit, pos)) fail(`'${lit}'`);
    pos += lit.length;
  };
  const endOfList = (): boolean => {
    if (text[pos] === ',') {
      pos++;
      return false;
    }
    if (text[pos] === ']') {
      pos++;
      return true;
    }
    return false;
  };
  const string = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      const q = text.indexOf('"', pos);
      const b = text.indexOf('\\', pos);
      if (q < 0) fail('closing \'"\'');
      if (b < 0 || q < b) {
        out += text.slice(pos, q);
        pos = q + 1;
        return out;
      }
      const c = text[b + 1];
      if (c === undefined) fail('escaped character');
      out += text.slice(pos, b) + (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c);
      pos = b + 2;
    }
  };
  const storePath = (): string => {
    const at = pos;
    const p = string();
    if (!p.startsWith('/')) {
      pos = at;
      fail('a store path');
    }
    return p;
  };
  const list = <T>(item: () => T): T[] => {
    const xs: T[] = [];
    while (!endOfList()) xs.push(item());
    return xs;
  };

  expect('Derive([');
  const outputs: Record<string, DerivationOutput> = {};
  while (!endOfList()) {
    expect('(');
    const name = string();
    expect(',');
    const path = string();
    expect(',');
    const hashAlgo = string();
    expect(',');
    const hash = string();
    expect(')');
    put(outputs, name, { path, hashAlgo, hash });
  }
  expect(',[');
  const inputDrvs: Record<string, readonly string[]> = {};
  while (!endOfList()) {
    expect('(');
    const p = storePath();
    expect(',[');
    put(inputDrvs, p, list(string));
    expect(')');
  }
  expect(',[');
  const inputSrcs = list(storePath);
  expect(',');
  const system = string();
  expect(',');
  const builder = string();
  expect(',[');
  const args = list(string);
  expect(',[');
  const env: Record<string, string> = {};
  while (!endOfList()) {
    expect('(');
    const k = string();
    expect(',');
    put(env, k, string());
    expect(')');
  }
  expect(')');
  if (pos !== text.length) fail('the end of the text');
  return { outputs, inputDrvs, inputSrcs, system, builder, args, env };
}

/**
 * Nix's hashDerivationModulo for an input-addressed derivation: sha256 (hex)
 * of its text with each input .drv path replaced by that input's own modulo
 * hash, which `inputDrvHash` supplies. With `maskOutputs` (how a derivation's
 * own output paths are computed) output paths and their env values are
 * blanked; without it (how a *dependent* sees this derivation) they are
 * kept. Throws for fixed-output, content-addressed or impure derivations.
 */
export function hashDerivationModulo(
  drv: Derivation,
  inputDrvHash: (drvPath: string) => string,
  maskOutputs: boolean,
): string {
  checkInputAddressed(drv);
  return sha256Hex(unparseDerivation(drv, { maskOutputs, inputDrvsOverride: moduloInputs(drv, inputDrvHash) }));
}

function checkInputAddressed(drv: Derivation): void {
  for (const [name, o] of Object.entries(drv.outputs)) {
    if (o.hashAlgo !== '' || o.hash !== '') {
      throw new Error(
        `hashDerivationModulo: output '${name}' is fixed-output, content-addressed or impure ` +
          `(hashAlgo '${o.hashAlgo}'); only input-addressed derivations are supported`,
      );
    }
  }
}

/** inputDrvs with each path replaced by its modulo hash (outputs merged if two inputs share one). */
function moduloInputs(drv: Derivation, inputDrvHash: (drvPath: string) => string): Record<string, string[]> {
  const inputs: Record<string, string[]> = {};
  for (const [p, outs] of Object.entries(drv.inputDrvs)) {
    const h = inputDrvHash(p);
    const existing = inputs[h];
    if (existing) existing.push(...outs);
    else put(inputs, h, [...outs]);
  }
  return inputs;
}

export interface InputAddressedSpec {
  name: string;
  system: string;
  builder: string;
  args: readonly string[];
  /** Further attributes; `name`, `system`, `builder` and each output are added as Nix adds them. */
  env: Record<string, string>;
  /** Source store paths the strings mention (Nix: plain string context). */
  inputSrcs: readonly string[];
  /** .drv path → the outputs used and that derivation's `hashModulo` (Nix: `!out!drv` context). */
  inputDrvs: Readonly<Record<string, { outputs: readonly string[]; hashModulo: string }>>;
  /** Default ['out']. When given, `env.outputs` is these names joined by spaces, as the attribute would be. */
  outputs?: readonly string[];
}

export interface MadeDerivation {
  drv: Derivation;
  /** The .drv file's contents. */
  text: string;
  drvPath: string;
  /** Output name → output path. */
  outputs: Record<string, string>;
  /** The unmasked modulo hash: what a dependent passes as this derivation's `hashModulo`. */
  hashModulo: string;
}

/** Attributes derivationStrict treats specially; a plain env var cannot have these names. */
const RESERVED = new Set([
  'name', 'system', 'builder', 'args', 'outputs', 'outputHash', 'outputHashAlgo', 'outputHashMode',
  '__structuredAttrs', '__contentAddressed', '__impure', '__ignoreNulls',
]);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The derivation `nix-instantiate` makes for `derivation { name; system;
 * builder; args; <env…>; [outputs;] }` whose string context is exactly
 * `inputSrcs` and `inputDrvs`: same text, same .drv path, same output paths.
 */
export function makeInputAddressedDerivation(spec: InputAddressedSpec): MadeDerivation {
  const { name, system, builder } = spec;
  if (!isValidStoreName(name) || name.endsWith('.drv')) throw new Error(`invalid derivation name '${name}'`);
  if (system === '' || builder === '') throw new Error(`derivation '${name}': system and builder must not be empty`);
  const outputNames = spec.outputs ?? ['out'];
  if (outputNames.length === 0) throw new Error(`derivation '${name}' has no outputs`);
  if (new Set(outputNames).size !== outputNames.length) throw new Error(`derivation '${name}' has duplicate outputs`);
  for (const o of outputNames) {
    if (o === 'drv' || o === '') throw new Error(`derivation '${name}': invalid output name '${o}'`);
  }

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.env)) {
    if (RESERVED.has(k) || outputNames.includes(k)) throw new Error(`derivation '${name}': env may not set '${k}'`);
    put(env, k, v);
  }
  env.name = name;
  env.system = system;
  env.builder = builder;
  if (spec.outputs) env.outputs = spec.outputs.join(' ');

  for (const p of spec.inputSrcs) {
    if (!isStorePath(p)) throw new Error(`derivation '${name}': input source '${p}' is not a store path`);
  }
  const inputDrvs: Record<string, readonly string[]> = {};
  for (const [p, input] of Object.entries(spec.inputDrvs)) {
    if (!isStorePath(p) || !p.endsWith('.drv')) throw new Error(`derivation '${name}': input '${p}' is not a .drv store path`);
    if (!HEX64.test(input.hashModulo)) throw new Error(`derivation '${name}': input '${p}' has no hex sha256 hashModulo`);
    if (input.outputs.length === 0) throw new Error(`derivation '${name}': input '${p}' lists no outputs`);
    put(inputDrvs, p, sortedSet(input.outputs));
  }

  const outputs: Record<string, DerivationOutput> = {};
  for (const o of outputNames) {
    put(outputs, o, { path: '', hashAlgo: '', hash: '' });
    env[o] = '';
  }
  const drv: Derivation = {
    outputs,
    inputDrvs,
    inputSrcs: sortedSet(spec.inputSrcs),
    system,
    builder,
    args: [...spec.args],
    env,
  };
  const lookup = (p: string): string => spec.inputDrvs[p]!.hashModulo;

  // Output paths come from the masked hash, in which they are still blank.
  const masked = hashDerivationModulo(drv, lookup, true);
  const outPaths: Record<string, string> = {};
  for (const o of outputNames) {
    const path = makeOutputPath(o, masked, name);
    outputs[o]!.path = path;
    env[o] = path;
    put(outPaths, o, path);
  }

  // The text and the unmasked modulo hash's text differ only in the input derivations.
  const head = outputsPart(drv, false);
  const rest = restPart(drv, false);
  const text = `${head}${inputDrvsPart(inputDrvs)}${rest}`;
  const drvPath = makeTextPath(`${name}.drv`, sha256Hex(text), [...drv.inputSrcs, ...Object.keys(inputDrvs)]);
  const hashModulo = sha256Hex(`${head}${inputDrvsPart(moduloInputs(drv, lookup))}${rest}`);
  return { drv, text, drvPath, outputs: outPaths, hashModulo };
}
