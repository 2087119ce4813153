/**
 * symbolicDerivation: a derivation spec from derivations.ts with its store
 * paths left as names, so that a Nix expression can fill them in and write
 * the very same derivation.
 *
 * The generator (derivations.ts) is run on stand-ins: every input file's
 * store path, every derivation output, the builder helper and each toolchain
 * field is a token. The spec it returns is then encoded argument by
 * argument: a literal string, a reference (`{ ref, of }`), a list to splice
 * in (`{ list }`: the toolchain's flags) or parts to concatenate. One
 * generator therefore decides what nixmake writes and what the export
 * writes; the export does not restate it.
 *
 * Pure. It does not know how the references are resolved (nixExpression.ts
 * does) and drops `inputSrcs` and `inputDrvs`: in Nix they follow from the
 * strings' context.
 */
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { DerivationSpec, DrvRef } from './derivations.js';

/**
 * What a token stands for. `tc` fields are the toolchain's (`path` as the `:`-joined PATH);
 * `toolEnv` one variable of the toolchain's environment for generators' commands.
 */
export type SymbolRef =
  | { readonly ref: 'input'; readonly of: string }
  | { readonly ref: 'generator'; readonly of: string }
  | { readonly ref: 'object'; readonly of: string }
  | { readonly ref: 'link'; readonly of: string }
  | { readonly ref: 'builder' }
  | { readonly ref: 'builderSource' }
  | { readonly ref: 'tc'; readonly of: 'system' | 'id' | 'cc' | 'cxx' | 'ar' | 'path' }
  | { readonly ref: 'toolEnv'; readonly of: string };

/** Lists spliced into `args`: the toolchain's flags, and one `-ffile-prefix-map` per toolchain store path. */
export type SymbolList = 'cflags' | 'ldflags' | 'prefixMaps';

export type SymbolicArg = string | SymbolRef | { readonly list: SymbolList } | { readonly parts: readonly (string | SymbolRef)[] };

export interface SymbolicDerivation {
  readonly name: string;
  readonly system: SymbolicArg;
  readonly builder: SymbolicArg;
  readonly args: readonly SymbolicArg[];
  readonly env: Readonly<Record<string, SymbolicArg>>;
}

const MARK = '\u0001';
const TOKEN = /\u0001(\d+)\u0001/g;

type Entry = SymbolRef | { readonly list: SymbolList } | { readonly storePaths: true };

/** The one form derivations.ts gives each toolchain store path (see objectDerivation). */
const PREFIX_MAP = (p: string): string => `-ffile-prefix-map=${p}=/toolchain/${p.slice(p.lastIndexOf('/') + 34)}`;

/** Hands out tokens and turns a spec made from them back into references. */
export class Symbols {
  private readonly entries: Entry[] = [];
  private readonly byKey = new Map<string, string>();

  private token(entry: Entry): string {
    const key = JSON.stringify(entry);
    let t = this.byKey.get(key);
    if (t === undefined) {
      t = `${MARK}${this.entries.length}${MARK}`;
      this.entries.push(entry);
      this.byKey.set(key, t);
    }
    return t;
  }

  input(rel: string): string {
    return this.token({ ref: 'input', of: rel });
  }

  /** A derivation named by the export: only its `out` is ever written into a spec. */
  drv(ref: SymbolRef): DrvRef {
    const t = this.token(ref);
    return { drvPath: t, hashModulo: t, out: t };
  }

  builderSource(): string {
    return this.token({ ref: 'builderSource' });
  }

  /** A toolchain whose every field the generators read is a token; the rest are the real one's. */
  toolchain(real: Toolchain): Toolchain {
    const tc = (of: 'system' | 'id' | 'cc' | 'cxx' | 'ar' | 'path'): string => this.token({ ref: 'tc', of });
    return {
      ...real,
      system: tc('system'),
      id: tc('id'),
      cc: tc('cc'),
      cxx: tc('cxx'),
      ar: tc('ar'),
      path: [tc('path')],
      cflags: [this.token({ list: 'cflags' })],
      ldflags: [this.token({ list: 'ldflags' })],
      storePaths: [this.token({ storePaths: true })],
      ...(real.toolEnv === undefined ? {} : { toolEnv: Object.fromEntries(Object.keys(real.toolEnv).map((k) => [k, this.token({ ref: 'toolEnv', of: k })])) }),
    };
  }

  /** The spec with every token turned back into what it stands for. */
  encode(spec: DerivationSpec): SymbolicDerivation {
    const env: Record<string, SymbolicArg> = {};
    for (const k of Object.keys(spec.env).sort()) env[k] = this.scalar(spec.env[k] as string, `env.${k}`);
    if (spec.name.includes(MARK)) throw new Error(`internal error: derivation name ${JSON.stringify(spec.name)} holds a store path`);
    return {
      name: spec.name,
      system: this.scalar(spec.system, 'system'),
      builder: this.scalar(spec.builder, 'builder'),
      args: spec.args.map((a, i) => this.arg(a, `args[${i}]`)),
      env,
    };
  }

  private arg(a: string, where: string): SymbolicArg {
    const m = /^\u0001(\d+)\u0001$/.exec(a);
    const whole = m ? this.entries[Number(m[1])] : undefined;
    if (whole && 'list' in whole) return { list: whole.list };
    const storePaths = this.entries.findIndex((e) => 'storePaths' in e);
    if (storePaths >= 0 && a === PREFIX_MAP(`${MARK}${storePaths}${MARK}`)) return { list: 'prefixMaps' };
    return this.scalar(a, where);
  }

  private scalar(s: string, where: string): SymbolicArg {
    const parts: (string | SymbolRef)[] = [];
    let last = 0;
    for (const m of s.matchAll(TOKEN)) {
      const e = this.entries[Number(m[1])];
      if (!e || !('ref' in e)) throw new Error(`internal error: the export cannot write ${where} of a derivation (a toolchain list or store path inside a string)`);
      if ((m.index ?? 0) > last) parts.push(s.slice(last, m.index));
      parts.push(e);
      last = (m.index ?? 0) + m[0].length;
    }
    if (parts.length === 0) return s;
    if (last < s.length) parts.push(s.slice(last));
    return parts.length === 1 ? (parts[0] as SymbolRef) : { parts };
  }
}
