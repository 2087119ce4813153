/**
 * A small C project that a test can change at random, step by step, and an
 * oracle for what each state must build and print.
 *
 * The project: a static library `lib` (src/t<i>.c, each including some of
 * include/h<j>.h) and an executable `app` (main.c) that calls every TU and
 * prints their values. The model knows every value, so the expected output
 * never comes from nixmake itself. `changedObjects` hashes each TU with the
 * headers `gcc -MM` lists for it, independently of nixmake's analyzer.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildAsync, copyProject } from './project.js';

/** mulberry32: a small seeded generator, so a seed names a sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tu {
  value: number;
  headers: number[];
  comments: number;
}

export type EditKind = 'change-main' | 'change-c' | 'touch' | 'comment' | 'add-c' | 'delete-c' | 'add-h' | 'delete-h' | 'change-h' | 'flags';

export class MutableProject {
  private readonly tus = new Map<number, Tu>();
  private readonly headers = new Map<number, { value: number; comments: number }>();
  private nextTu = 0;
  private nextHeader = 0;
  private extra = 0;
  /** Printed first by main.c: an edit of main.c alone relinks app but not lib. */
  private banner = 0;
  /** Every (target, TU) key hash built so far: undoing an edit rebuilds nothing. */
  private readonly seen = new Set<string>();

  constructor(readonly dir: string, private readonly rand: () => number, tus = 6, headers = 4) {
    for (let j = 0; j < headers; j++) this.headers.set(this.nextHeader++, { value: j + 1, comments: 0 });
    for (let i = 0; i < tus; i++) this.tus.set(this.nextTu++, { value: i * 10, headers: this.pickHeaders(), comments: 0 });
    this.writeAll();
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)] as T;
  }

  private pickHeaders(): number[] {
    return [...this.headers.keys()].filter(() => this.rand() < 0.5);
  }

  expectedOutput(): string {
    const lines = [...this.tus.entries()].map(([i, t]) => {
      const v = t.value + t.headers.reduce((s, h) => s + (this.headers.get(h)?.value ?? 0), 0) + this.extra;
      return `t${i}=${v}`;
    });
    return `v${this.banner}: ${lines.join(' ')}\n`;
  }

  private tuText(i: number, t: Tu): string {
    const inc = t.headers.map((h) => `#include "h${h}.h"\n`).join('');
    const sum = t.headers.map((h) => ` + H${h}`).join('');
    const notes = Array.from({ length: t.comments }, (_, k) => `/* note ${k} */\n`).join('');
    return `${inc}int t${i}(void) { return ${t.value}${sum} + EXTRA; }\n${notes}`;
  }

  private headerText(j: number): string {
    const h = this.headers.get(j);
    const notes = Array.from({ length: h?.comments ?? 0 }, (_, k) => `/* note ${k} */\n`).join('');
    return `#ifndef H${j}_H\n#define H${j}_H\n#define H${j} ${h?.value}\n#endif\n${notes}`;
  }

  private mainText(): string {
    const ids = [...this.tus.keys()];
    const decls = ids.map((i) => `int t${i}(void);\n`).join('');
    const calls = ids.map((i, k) => `  printf("${k > 0 ? ' ' : ''}t${i}=%d", t${i}());\n`).join('');
    return `#include <stdio.h>\n${decls}int main(void) {\n  printf("v${this.banner}: ");\n${calls}  printf("\\n");\n  return 0;\n}\n`;
  }

  private config(): string {
    return JSON.stringify({
      includeDirs: ['include'],
      cflags: ['-O1'],
      targets: {
        lib: { type: 'static-library', sources: ['src/*.c'], defines: [`EXTRA=${this.extra}`] },
        app: { type: 'executable', sources: ['main.c'], deps: ['lib'] },
      },
    });
  }

  private write(rel: string, text: string): void {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) return;
    fs.writeFileSync(p, text);
  }

  private writeAll(): void {
    this.write('nixmake.json', this.config());
    this.write('main.c', this.mainText());
    for (const [j] of this.headers) this.write(`include/h${j}.h`, this.headerText(j));
    for (const [i, t] of this.tus) this.write(`src/t${i}.c`, this.tuText(i, t));
  }

  /** Applies one random edit and says what it was. */
  edit(kind: EditKind = this.pick<EditKind>(['change-main', 'change-c', 'touch', 'comment', 'add-c', 'delete-c', 'add-h', 'delete-h', 'change-h', 'flags'])): string {
    const tuIds = [...this.tus.keys()];
    const hIds = [...this.headers.keys()];
    switch (kind) {
      case 'change-main':
        this.banner++;
        this.writeAll();
        return 'change main.c';
      case 'change-c': {
        const i = this.pick(tuIds);
        (this.tus.get(i) as Tu).value += 1;
        this.writeAll();
        return `change src/t${i}.c`;
      }
      case 'touch': {
        const rel = this.rand() < 0.5 ? `src/t${this.pick(tuIds)}.c` : `include/h${this.pick(hIds)}.h`;
        const later = new Date(Date.now() + 5000);
        fs.utimesSync(path.join(this.dir, rel), later, later);
        return `touch ${rel}`;
      }
      case 'comment': {
        if (this.rand() < 0.5 || hIds.length === 0) {
          const i = this.pick(tuIds);
          (this.tus.get(i) as Tu).comments++;
          this.writeAll();
          return `comment in src/t${i}.c`;
        }
        const j = this.pick(hIds);
        (this.headers.get(j) as { comments: number }).comments++;
        this.writeAll();
        return `comment in include/h${j}.h`;
      }
      case 'add-c': {
        const i = this.nextTu++;
        this.tus.set(i, { value: i * 10, headers: this.pickHeaders(), comments: 0 });
        this.writeAll();
        return `add src/t${i}.c`;
      }
      case 'delete-c': {
        if (tuIds.length <= 2) return this.edit('add-c');
        const i = this.pick(tuIds);
        this.tus.delete(i);
        fs.rmSync(path.join(this.dir, `src/t${i}.c`));
        this.writeAll();
        return `delete src/t${i}.c`;
      }
      case 'add-h': {
        const j = this.nextHeader++;
        this.headers.set(j, { value: j + 1, comments: 0 });
        const i = this.pick(tuIds);
        (this.tus.get(i) as Tu).headers.push(j);
        this.writeAll();
        return `add include/h${j}.h (included by src/t${i}.c)`;
      }
      case 'delete-h': {
        if (hIds.length <= 1) return this.edit('add-h');
        const j = this.pick(hIds);
        this.headers.delete(j);
        for (const t of this.tus.values()) t.headers = t.headers.filter((h) => h !== j);
        fs.rmSync(path.join(this.dir, `include/h${j}.h`));
        this.writeAll();
        return `delete include/h${j}.h and its #includes`;
      }
      case 'change-h': {
        const j = this.pick(hIds);
        (this.headers.get(j) as { value: number }).value += 100;
        this.writeAll();
        return `change include/h${j}.h`;
      }
      case 'flags':
        this.extra = this.extra === 0 ? 1 : 0;
        this.writeAll();
        return `flags: -DEXTRA=${this.extra}`;
    }
  }

  /**
   * Objects whose inputs are in a state never built before: for each TU, a
   * hash of its flags, its text and the headers `gcc -MM` lists for it. Call
   * once per build; the states it returns count as built.
   */
  changedObjects(): number {
    const groups: [string, string[], string[]][] = [
      ['lib', [...this.tus.keys()].map((i) => `src/t${i}.c`), ['-Iinclude', '-O1', `-DEXTRA=${this.extra}`]],
      ['app', ['main.c'], ['-Iinclude', '-O1']],
    ];
    let changed = 0;
    for (const [target, files, flags] of groups) {
      const r = spawnSync('gcc', ['-MM', ...flags, ...files], { cwd: this.dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gcc -MM failed: ${r.stderr}`);
      const rules = r.stdout.replace(/\\\n/g, ' ').split('\n').filter((l) => l.includes(':'));
      for (const rule of rules) {
        const deps = (rule.split(':')[1] ?? '').trim().split(/\s+/).filter(Boolean);
        const h = crypto.createHash('sha256').update(`${target}\0${flags.join(' ')}`);
        for (const d of deps) h.update(`\0${d}\0`).update(fs.readFileSync(path.join(this.dir, d)));
        const key = h.digest('hex');
        if (!this.seen.has(key)) changed++;
        this.seen.add(key);
      }
    }
    return changed;
  }
}

/**
 * Builds a fresh copy of a MutableProject's sources (no memo, no links) and
 * answers its result links, for comparison with an incremental build. Equal
 * store paths mean equal bytes: objects are content-addressed, and a link's
 * path follows from the objects it links. `track` registers the copy for
 * removal.
 */
/**
 * The content of a clean build's result links: the project copied without its state, built from
 * scratch (without blocking the test worker), each link's NAR hash.
 */
export async function cleanBuildLinksAsync(dir: string, track: (d: string) => string): Promise<Record<string, string>> {
  const copy = track(copyProject(dir));
  const r = await buildAsync(copy);
  if (r.code !== 0) throw new Error(`clean build of a copy of ${dir} failed:\n${r.stdout}${r.stderr}`);
  return Object.fromEntries(['result-app', 'result-lib'].map((l) => [l, linkContent(path.join(copy, l))]));
}

/**
 * What a result link's output holds: its NAR hash. Outputs are input-addressed
 * and early cutoff may keep an older (equal) output, so an incremental build
 * and a clean one are compared by content, not by store path.
 */
export function linkContent(link: string): string {
  const out = fs.readlinkSync(link);
  const r = spawnSync('nix-store', ['--query', '--hash', out], { encoding: 'utf8', env: { ...process.env, NIX_REMOTE: 'daemon' } });
  if (r.status !== 0) throw new Error(`nix-store --query --hash ${out} failed: ${r.stderr}`);
  return r.stdout.trim();
}
