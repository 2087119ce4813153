/**
 * Kept build logs (bounded, atomic, pruned with the graph; a folder that
 * cannot be written is one warning), and the pure halves of compdb and
 * graph.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildLogs, boundLog, keepingHistory } from '../../engine/buildLogs.js';
import type { BuildEvent } from '../../engine/events.js';
import { compileCommands } from '../../engine/compdb.js';
import { dotString, graphDot } from '../../engine/graph.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Toolchain } from '../../toolchain/Toolchain.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-logs-'));
  dirs.push(d);
  return d;
};

const built = (node: string, log?: string): BuildEvent => ({
  event: 'node-built',
  node,
  kind: 'object',
  label: node,
  drv: '/nix/store/x.drv',
  out: '/nix/store/x',
  seconds: 1,
  timings: { queued: 0, inputs: 0, derivation: 0, building: 1.5, running: 1 },
  ...(log === undefined ? {} : { log }),
});

describe('BuildLogs', () => {
  it('keeps the end of a long log, from a line start, saying how much was cut', () => {
    const log = `${'a'.repeat(50)}\n${'b'.repeat(50)}\nerror: last\n`;
    expect(boundLog(log, 1000)).toBe(log);
    expect(boundLog(log, 70)).toBe(`[nixmake: the first 51 bytes of this log were cut]\n${'b'.repeat(50)}\nerror: last\n`);
  });

  it('keeps each node\'s last log and its duration, and prunes logs of nodes that left the graph', () => {
    const logs = new BuildLogs(path.join(tmp(), 'logs'));
    const durations = new Map<string, number>();
    const seen: BuildEvent[] = [];
    const emit = keepingHistory((e) => seen.push(e), logs, { recordDuration: (k, s) => durations.set(k, s) });
    emit(built('obj:a:x.c', 'first'));
    emit(built('obj:a:x.c', 'second'));
    emit(built('obj:a:y.c')); // already valid: no log, the old one (none) stays
    emit({ event: 'node-failed', node: 'link:a', kind: 'link', label: 'a', message: 'the daemon went away', log: '' });
    expect(seen.length).toBe(4);
    expect(logs.read('obj:a:x.c')).toBe('second');
    expect(logs.read('obj:a:y.c')).toBeUndefined();
    expect(logs.read('link:a')).toBe('the daemon went away\n');
    expect([...durations]).toEqual([['obj:a:x.c', 1.5]]);
    expect(logs.prune(new Set(['link:a']))).toBe(1);
    expect(logs.read('obj:a:x.c')).toBeUndefined();
    expect(logs.read('link:a')).toBe('the daemon went away\n');
  });

  it('a logs folder that cannot be written is one warning, and the build goes on', () => {
    const blocker = path.join(tmp(), 'logs');
    fs.writeFileSync(blocker, 'not a folder');
    const seen: BuildEvent[] = [];
    const emit = keepingHistory((e) => seen.push(e), new BuildLogs(blocker), { recordDuration: () => undefined });
    emit(built('obj:a:x.c', 'one'));
    emit(built('obj:a:z.c', 'two'));
    expect(seen.map((e) => e.event)).toEqual(['diagnostic', 'node-built', 'node-built']);
    expect(seen[0]).toMatchObject({ diagnostic: { severity: 'warning' } });
  });
});

describe('compdb and graph (pure)', () => {
  const parsed = parseConfig(
    JSON.stringify({
      includeDirs: ['include'],
      targets: {
        'my-lib': { type: 'shared-library', sources: ['lib/*.c'], libs: ['m'] },
        app: { type: 'executable', sources: ['src/*.cc'], deps: ['my-lib'], defines: ['V="1 2"'] },
      },
    }),
    '/p',
  );
  if (!parsed.ok) throw new Error('config');
  const config = parsed.value;
  const sources = new Map([
    ['my-lib', ['lib/a.c']],
    ['app', ['-top.cc']],
  ]);

  it('compdb: the toolchain then the TU flags, project paths, an output under .nixmake/compdb', () => {
    const tc = { cc: '/nix/store/g/bin/gcc', cxx: '/nix/store/g/bin/g++', cflags: ['--sysroot=/nix/store/g/sysroot'] } as unknown as Toolchain;
    expect(compileCommands(config, sources, tc)).toEqual([
      {
        directory: '/p',
        file: '-top.cc',
        arguments: ['/nix/store/g/bin/g++', '-c', '--sysroot=/nix/store/g/sysroot', '-Iinclude', '-DV="1 2"', '-o', '.nixmake/compdb/app/-top.cc.o', './-top.cc'],
        output: '.nixmake/compdb/app/-top.cc.o',
      },
      {
        directory: '/p',
        file: 'lib/a.c',
        arguments: ['/nix/store/g/bin/gcc', '-c', '--sysroot=/nix/store/g/sysroot', '-Iinclude', '-fPIC', '-o', '.nixmake/compdb/my-lib/lib/a.c.o', 'lib/a.c'],
        output: '.nixmake/compdb/my-lib/lib/a.c.o',
      },
    ]);
  });

  it('graph: quoted names, objects into their link, libraries into what links them', () => {
    expect(dotString('a"b\\c\nd\x1b')).toBe('"a\\"b\\\\c\\nd"');
    const dot = graphDot(config, sources);
    expect(dot).toContain('"link:my-lib" [shape=box, style=bold, label="my-lib\\nshared-library\\n-lm"];');
    expect(dot).toContain('"obj:app:-top.cc" -> "link:app";');
    expect(dot).toContain('"link:my-lib" -> "link:app" [style=bold];');
  });
});
