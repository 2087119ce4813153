/**
 * installProject: `nixmake install --prefix DIR`, after a build: lays out
 * what `make install` would — `bin/` (programs and their aliases), `lib/`
 * (archives, shared libraries with their soname and development links),
 * `include/` (the config's `publicHeaders`) and `lib/pkgconfig/<lib>.pc`
 * for every library.
 *
 * `planInstall` is pure: the project's config and the store outputs of its
 * targets (their result links) → the list of operations. `applyInstall`
 * carries them out, replacing what is there. Files are copied out of the
 * store (writable, the store's modes otherwise); links inside an output
 * stay links. Installed programs and shared libraries still name store
 * paths (their dynamic linker, their libraries' folders): they run while
 * those paths exist, which the project's GC roots ensure.
 *
 * It does not build: the command builds first (cli/main).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config, TargetConfig } from '../config/Config.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { publicHeaders } from './publicHeaders.js';

export type InstallOp =
  | { readonly kind: 'copy'; readonly from: string; readonly to: string }
  | { readonly kind: 'symlink'; readonly target: string; readonly to: string }
  | { readonly kind: 'write'; readonly text: string; readonly to: string };

/** The version in a library's real name (`libz.so.1.2.13` → 1.2.13), else 0. */
function versionOf(t: TargetConfig): string {
  return /\.so\.(\d[\w.]*)$/.exec(t.fileName ?? '')?.[1] ?? /\.so\.(\d[\w.]*)$/.exec(t.soname ?? '')?.[1] ?? '0';
}

/** The name `-l` finds a library by: its file name without lib and the extension. */
function linkName(t: TargetConfig, file: string): string {
  return /^lib(.+?)\.(?:a|so)(?:\..*)?$/.exec(file)?.[1] ?? t.name;
}

export function pkgConfig(prefix: string, t: TargetConfig, file: string, libs: readonly string[], requires: readonly string[]): string {
  const lines = [
    `prefix=${prefix}`,
    'exec_prefix=${prefix}',
    'libdir=${exec_prefix}/lib',
    'includedir=${prefix}/include',
    '',
    `Name: ${t.name}`,
    `Description: ${t.name}, installed by nixmake`,
    `Version: ${versionOf(t)}`,
    ...(requires.length > 0 ? [`Requires${t.type === 'static-library' ? '' : '.private'}: ${requires.join(' ')}`] : []),
    `Libs: -L\${libdir} -l${linkName(t, file)}`,
    ...(libs.length > 0 ? [`Libs.private: ${libs.map((l) => `-l${l}`).join(' ')}`] : []),
    'Cflags: -I${includedir}',
    '',
  ];
  return lines.join('\n');
}

/** Every entry of a store output's folder, as (relative path, is a symlink). */
function listTree(dir: string, rel = ''): { rel: string; link: boolean }[] {
  const out: { rel: string; link: boolean }[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listTree(dir, r));
    else out.push({ rel: r, link: e.isSymbolicLink() });
  }
  return out;
}

/**
 * The operations, or the errors: a target not built yet (no result link), a
 * public header entry that does not exist.
 */
export function planInstall(config: Config, prefix: string, outputOf: (target: string) => string | undefined): { ops: InstallOp[]; errors: Diagnostic[] } {
  const ops: InstallOp[] = [];
  const errors: Diagnostic[] = [];
  for (const t of config.targets.values()) {
    const out = outputOf(t.name);
    if (out === undefined || !fs.existsSync(out)) {
      errors.push({ severity: 'error', message: `target ${t.name} has no build output (no result-${t.name} link into the store); run nixmake build first` });
      continue;
    }
    for (const { rel, link } of listTree(out)) {
      const from = path.join(out, rel);
      const to = path.join(prefix, rel);
      ops.push(link ? { kind: 'symlink', target: fs.readlinkSync(from), to } : { kind: 'copy', from, to });
    }
    if (t.type !== 'executable') {
      const files = fs.readdirSync(path.join(out, 'lib'));
      const file = t.type === 'static-library' ? files.find((f) => f.endsWith('.a')) : files.find((f) => /\.so$/.test(f)) ?? files[0];
      const requires = t.deps.filter((d) => config.targets.get(d)?.type !== 'executable');
      ops.push({ kind: 'write', text: pkgConfig(prefix, t, file ?? `lib${t.name}`, [...config.defaults.libs, ...t.libs], requires), to: path.join(prefix, 'lib/pkgconfig', `${t.name}.pc`) });
    }
  }
  const headers = publicHeaders(config.root, config.publicHeaders);
  if (!headers.ok) errors.push(...headers.errors);
  else for (const [file, dest] of headers.value) ops.push({ kind: 'copy', from: path.join(config.root, file), to: path.join(prefix, 'include', dest) });
  return { ops, errors };
}

/** Carries the operations out, each replacing what is at its place; returns how many files it wrote. */
export function applyInstall(ops: readonly InstallOp[]): number {
  for (const op of ops) {
    fs.mkdirSync(path.dirname(op.to), { recursive: true });
    fs.rmSync(op.to, { force: true });
    if (op.kind === 'symlink') fs.symlinkSync(op.target, op.to);
    else if (op.kind === 'write') fs.writeFileSync(op.to, op.text);
    else {
      fs.copyFileSync(op.from, op.to);
      // The store's files are read-only; an installed file is the user's to replace.
      fs.chmodSync(op.to, fs.statSync(op.from).mode | 0o200);
    }
  }
  return ops.length;
}
