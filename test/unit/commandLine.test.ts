/**
 * The command line as data: every option parseArgs accepts is described by
 * help and in the README's CLI reference, options parse to what they mean,
 * and the build's Nix options become the daemon's settings (after
 * nixmake.json's, so they win).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands.js';
import { helpFor, USAGE } from '../../cli/help.js';
import { main } from '../../cli/main.js';
import { nixSettings, parseArgs } from '../../cli/parseArgs.js';
import { readClientSettings } from '../../store/nixConfig.js';
import { REPO } from '../helpers/project.js';

function capture(): { text: () => string; output: { out(t: string): void; err(t: string): void } } {
  const parts: string[] = [];
  return { text: () => parts.join(''), output: { out: (t) => parts.push(t), err: (t) => parts.push(t) } };
}

describe('help', () => {
  it('describes every option of every command, and the overview lists every command', () => {
    for (const c of COMMANDS) {
      expect(USAGE).toContain(`  ${c.name} `);
      const h = helpFor(c.name) ?? '';
      for (const o of c.options) for (const f of o.flags) expect(h).toContain(f);
    }
  });

  it('nixmake help COMMAND and COMMAND --help print the same text', async () => {
    const a = capture();
    const b = capture();
    expect(await main(['help', 'build'], a.output)).toBe(0);
    expect(await main(['build', '--help'], b.output)).toBe(0);
    expect(a.text()).toBe(b.text());
    expect(a.text()).toContain('--keep-failed, -K');
    expect(a.text()).toContain('--trace FILE');
    const bad = capture();
    expect(await main(['help', 'nope'], bad.output)).toBe(1);
  });

  it("the README's CLI reference names every command and option", () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const cli = readme.slice(readme.indexOf('## CLI'), readme.indexOf('## Config'));
    for (const c of COMMANDS) {
      expect(cli).toContain(`nixmake ${c.name}`);
      for (const o of c.options) for (const f of o.flags) expect(cli, `${c.name} ${f}`).toContain(`${f}`);
    }
  });
});

describe('parseArgs', () => {
  it('parses the build options of issue 19', () => {
    const r = parseArgs(['build', '-L', '-q', '-K', '--cores', '3', '--max-silent-time=5', '--timeout', '7', '--trace', 't.json', '-j2', '-Cproj', 'app']);
    expect(r).toEqual({
      ok: true,
      command: {
        command: 'build',
        dir: 'proj',
        jobs: 2,
        keepGoing: false,
        json: false,
        explain: false,
        dryRun: false,
        printBuildLogs: true,
        quiet: true,
        nix: { keepFailed: true, cores: 3, maxSilentTime: 5, timeout: 7, options: [] },
        trace: 't.json',
        check: false,
        targets: ['app'],
      },
    });
  });

  it('parses log, compdb and graph', () => {
    expect(parseArgs(['log', '-C', 'p', 'src/a.c'])).toEqual({ ok: true, command: { command: 'log', dir: 'p', what: 'src/a.c' } });
    expect(parseArgs(['compdb', '-o', 'cc.json', 'app'])).toEqual({ ok: true, command: { command: 'compdb', dir: '.', output: 'cc.json', targets: ['app'] } });
    expect(parseArgs(['graph', 'a', 'b'])).toEqual({ ok: true, command: { command: 'graph', dir: '.', targets: ['a', 'b'] } });
  });

  it('refuses bad values and options of other commands, naming them', () => {
    expect(parseArgs(['build', '--cores', 'x'])).toMatchObject({ ok: false, message: '--cores needs a whole number (0 or more), got x' });
    expect(parseArgs(['build', '-j', '0'])).toMatchObject({ ok: false, message: '-j needs a positive number, got 0' });
    expect(parseArgs(['build', '--trace'])).toMatchObject({ ok: false, message: '--trace needs a file to write' });
    expect(parseArgs(['log'])).toMatchObject({ ok: false });
    expect(parseArgs(['graph', '-L'])).toMatchObject({ ok: false, message: 'unknown option "-L" for graph (see nixmake help graph)' });
    expect(parseArgs(['clean', 'x'])).toMatchObject({ ok: false, message: 'clean takes no arguments' });
  });

  it("the build's Nix options become the daemon's settings, over nixmake.json's", () => {
    const io = { readFile: () => undefined, cpuCount: () => 8, homeDir: () => '/nonexistent' };
    const fromFile = Object.entries({ cores: '2', timeout: '100' });
    const none = readClientSettings({}, new Map([...fromFile, ...nixSettings({ keepFailed: false, cores: undefined, maxSilentTime: undefined, timeout: undefined, options: [] })]), io);
    expect([none.keepFailed, none.buildCores, none.maxSilentTime, none.overrides.get('timeout')]).toEqual([false, 2, 0, '100']);
    const s = readClientSettings({}, new Map([...fromFile, ...nixSettings({ keepFailed: true, cores: 3, maxSilentTime: 5, timeout: 7, options: [] })]), io);
    expect([s.keepFailed, s.buildCores, s.maxSilentTime, s.overrides.get('timeout')]).toEqual([true, 3, 5, '7']);
  });

  it('--option NAME VALUE is repeatable, goes to the daemon after nixmake.json, and --cores wins over it', () => {
    const r = parseArgs(['build', '--option', 'substituters', 'file:///c', '--option', 'max-jobs', '0', '--cores', '3', '--option', 'cores', '5']);
    if (!r.ok || r.command.command !== 'build') throw new Error('not parsed');
    expect(r.command.nix.options).toEqual([['substituters', 'file:///c'], ['max-jobs', '0'], ['cores', '5']]);
    const io = { readFile: () => undefined, cpuCount: () => 8, homeDir: () => '/nonexistent' };
    const s = readClientSettings({}, new Map([['substituters', 'file:///other'], ...nixSettings(r.command.nix)]), io);
    expect([s.overrides.get('substituters'), s.maxBuildJobs, s.buildCores]).toEqual(['file:///c', 0, 3]);
    expect(parseArgs(['build', '--option', 'substituters'])).toMatchObject({ ok: false, message: '--option needs a NAME and a VALUE, e.g. --option substituters file:///srv/nix-cache' });
    expect(parseArgs(['watch', '--option', 'cores', '1'])).toMatchObject({ ok: true, command: { nix: { options: [['cores', '1']] } } });
    expect(parseArgs(['graph', '--option', 'cores', '1'])).toMatchObject({ ok: false, message: 'unknown option "--option" for graph (see nixmake help graph)' });
  });

  it('parses push and build --check', () => {
    expect(parseArgs(['push', '-C', 'p', 'file:///c', '--sign-key', 'k.sec'])).toEqual({ ok: true, command: { command: 'push', dir: 'p', url: 'file:///c', signKey: 'k.sec' } });
    expect(parseArgs(['push'])).toMatchObject({ ok: false, message: 'push needs one binary cache URL, e.g. nixmake push file:///srv/nix-cache --sign-key key.sec' });
    expect(parseArgs(['build', '--check'])).toMatchObject({ ok: true, command: { command: 'build', check: true } });
    expect(parseArgs(['build', '--check', 'app'])).toMatchObject({ ok: false });
  });
});
