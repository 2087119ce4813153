/**
 * loadConfig: nixmake.json and the compile database it names, read from
 * disk; the database must be a file of the project (symlinks followed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.js';
import { formatDiagnostic } from '../../core/Diagnostic.js';
import type { BuildEvent } from '../../engine/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-load-'));
  dirs.push(d);
  return d;
}

function load(root: string): { ok: boolean; errors: string[] } {
  const events: BuildEvent[] = [];
  const c = loadConfig(root, (d) => events.push({ event: 'diagnostic', diagnostic: d }));
  return { ok: c !== undefined, errors: events.flatMap((e) => (e.event === 'diagnostic' ? [formatDiagnostic(e.diagnostic)] : [])) };
}

const SECRET = 'TOP-SECRET-LINE';
const entry = (root: string) => [{ directory: root, file: 'a.c', command: 'cc -DX=1 -c a.c -o a.o' }];

function project(compileCommands: string): string {
  const root = tmp();
  fs.writeFileSync(path.join(root, 'nixmake.json'), JSON.stringify({ compileCommands, targets: { app: { type: 'executable', sources: ['a.c'] } } }));
  fs.writeFileSync(path.join(root, 'a.c'), 'int main(void) { return 0; }\n');
  return root;
}

describe('loadConfig: compileCommands', () => {
  it('reads a database inside the root, also through a symlink that stays inside', () => {
    const root = project('cc.json');
    fs.mkdirSync(path.join(root, 'build'));
    fs.writeFileSync(path.join(root, 'build/compile_commands.json'), JSON.stringify(entry(root)));
    fs.symlinkSync('build/compile_commands.json', path.join(root, 'cc.json'));
    expect(load(root)).toEqual({ ok: true, errors: [] });
  });

  it('refuses a path that leaves the root, by .. or absolute', () => {
    const outside = tmp();
    fs.writeFileSync(path.join(outside, 'cc.json'), `${SECRET}\n`);
    for (const db of [path.join(outside, 'cc.json'), path.relative(project('x'), path.join(outside, 'cc.json'))]) {
      const root = project(db);
      const r = load(root);
      expect(r.ok).toBe(false);
      expect(r.errors).toEqual([`nixmake.json: error: compileCommands: "${db}" resolves to ${fs.realpathSync(path.join(outside, 'cc.json'))}, outside the project root; the compile database must be a file of the project`]);
    }
  });

  it('refuses a symlink inside the root that points outside, and never prints the target\'s text', () => {
    const outside = tmp();
    fs.writeFileSync(path.join(outside, 'passwd'), `${SECRET}\n`);
    const root = project('compile_commands.json');
    fs.symlinkSync(path.join(outside, 'passwd'), path.join(root, 'compile_commands.json'));
    const r = load(root);
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^nixmake\.json: error: compileCommands: "compile_commands\.json" resolves to .*passwd, outside the project root/);
    expect(r.errors.join('\n')).not.toContain(SECRET);
  });

  it('reports a database inside the root that is not JSON by position only', () => {
    const root = project('cc.json');
    fs.writeFileSync(path.join(root, 'cc.json'), `${SECRET}\n`);
    expect(load(root)).toEqual({ ok: false, errors: ['cc.json:1:1: error: invalid JSON: unexpected character'] });
  });

  it('says when it cannot read the database', () => {
    expect(load(project('missing.json'))).toEqual({ ok: false, errors: ['nixmake.json: error: compileCommands: cannot read missing.json'] });
  });
});

describe('loadConfig: nixmake.json', () => {
  it('names no content of a nixmake.json that is not JSON', () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'nixmake.json'), `{"targets": ${SECRET}}`);
    expect(load(root)).toEqual({ ok: false, errors: ['nixmake.json:1:13: error: invalid JSON: unexpected character'] });
  });
});
