/**
 * analyzeTargets: the include closure of every translation unit of every
 * selected target, with the file system and caches wired in.
 *
 * Scans are cached by content hash (in memory for this run, in the memo
 * across runs); existence probes are cached for the run. Resolution itself
 * is redone every run, which is what makes a newly added shadowing header
 * take effect. It does not fingerprint or plan.
 */
import fs from 'node:fs';
import fg from 'fast-glob';
import type { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import { compileFlags, objectKey } from '../engine/BuildGraph.js';
import type { Diagnostic } from '../engine/Diagnostic.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import { includeClosure } from './includeClosure.js';
import type { ClosureIo, TuClosure } from './includeClosure.js';
import { languageOf } from './language.js';
import { scanIncludes, SCANNER_VERSION } from './scanIncludes.js';
import type { Grammar, ScanResult } from './scanIncludes.js';
import { searchPathFromFlags } from './SearchPath.js';

export interface Analysis {
  /** Keyed by object node key. */
  readonly closures: Map<string, TuClosure>;
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

/** `-DNAME=VALUE` defines usable for computed includes. */
function defineMacros(flags: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of flags) {
    const match = /^-D([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(f);
    if (match) m.set(match[1] as string, match[2] as string);
  }
  return m;
}

/** Every macro name the flags define: -DNAME and -DNAME=VALUE. */
function flagMacroNames(flags: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const f of flags) {
    const m = /^-D([A-Za-z_][A-Za-z0-9_]*)/.exec(f);
    if (m) names.add(m[1] as string);
  }
  return names;
}

export class ScanCache {
  private readonly inMemory = new Map<string, ScanResult | undefined>();
  readonly pending = new Map<string, string>();

  constructor(
    private readonly memo: Pick<MemoStore, 'getScan' | 'putScans'>,
    private readonly hasher: FileHasher,
  ) {}

  scan(abs: string, grammar: Grammar): ScanResult | undefined {
    const memKey = `${grammar}\0${abs}`;
    if (this.inMemory.has(memKey)) return this.inMemory.get(memKey);
    const hash = this.hasher.hash(abs);
    let result: ScanResult | undefined;
    if (hash) {
      const key = `${SCANNER_VERSION}:${grammar}:${hash}`;
      const cached = this.pending.get(key) ?? this.memo.getScan(key);
      if (cached) {
        result = JSON.parse(cached) as ScanResult;
      } else {
        try {
          result = scanIncludes(fs.readFileSync(abs, 'utf8'), grammar);
          this.pending.set(key, JSON.stringify(result));
        } catch {
          result = undefined;
        }
      }
    }
    this.inMemory.set(memKey, result);
    return result;
  }

  flush(): void {
    this.memo.putScans(this.pending);
    this.pending.clear();
  }
}

/** Analyzes every TU of every target in `config` (already narrowed to the selected ones). */
export function analyzeTargets(
  config: Config,
  sources: ReadonlyMap<string, readonly string[]>,
  toolchain: Toolchain,
  scans: ScanCache,
): Analysis {
  const closures = new Map<string, TuClosure>();
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const isFileCache = new Map<string, boolean>();
  const isFile = (p: string): boolean => {
    let r = isFileCache.get(p);
    if (r === undefined) {
      try {
        r = fs.statSync(p).isFile();
      } catch {
        r = false;
      }
      isFileCache.set(p, r);
    }
    return r;
  };
  const seenErrors = new Set<string>();
  for (const t of config.targets.values()) {
    for (const tu of sources.get(t.name) ?? []) {
      const lang = languageOf(tu) ?? 'c';
      const grammar: Grammar = lang === 'c++' ? 'cpp' : 'c';
      const flags = compileFlags(config, t, lang);
      const sp = searchPathFromFlags(flags, config.root, toolchain.systemIncludeDirs[lang]);
      const io: ClosureIo = {
        scan: (abs) => scans.scan(abs, grammar),
        isFile,
        headersUnder: (dir) => fg.sync('**/*.{h,hh,hpp,hxx,inc,def,H,h++,tcc,ipp}', { cwd: dir, absolute: true, onlyFiles: true, ignore: ['.nixmake/**', 'node_modules/**', '.git/**'] }),
      };
      const closure = includeClosure(config.root, tu, sp, defineMacros(flags), io, flagMacroNames(flags));
      closures.set(objectKey(t.name, tu), closure);
      // A header shared by many TUs reports its error once.
      for (const e of closure.errors) {
        const k = `${e.location?.file}:${e.location?.line}:${e.message}`;
        if (!seenErrors.has(k)) errors.push(e);
        seenErrors.add(k);
      }
      for (const n of closure.notes) {
        if (n.kind !== 'computed-unresolved') continue;
        const k = `${n.file}:${n.line}:${n.message}`;
        if (!seenErrors.has(k)) warnings.push({ severity: 'warning', message: n.message, location: { file: n.file, line: n.line, column: n.column } });
        seenErrors.add(k);
      }
    }
  }
  return { closures, errors, warnings };
}

