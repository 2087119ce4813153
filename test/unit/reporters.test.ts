/**
 * Reporters and hostile names: a file name with a newline or an escape
 * sequence never reaches the terminal raw, and every --json line stays one
 * valid JSON value.
 */
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/events.js';
import { escapeControl, escapeLog } from '../../reporters/escapeControl.js';
import { JsonReporter } from '../../reporters/JsonReporter.js';
import { TerminalReporter } from '../../reporters/TerminalReporter.js';

const NAME = 'src/evil\n[2/2] CC ok\x1b[2J\x9b31m\x7f.c';

const events: BuildEvent[] = [
  { event: 'diagnostic', diagnostic: { severity: 'error', message: `"${NAME}" matches no file`, location: { file: 'nixmake.json' }, jsonPath: 'targets.app.sources[0]' } },
  { event: 'diagnostic', diagnostic: { severity: 'error', message: 'missing header', location: { file: NAME, line: 3, column: 10 } } },
  { event: 'plan', to_build: 1, up_to_date: 0, dry_run: false },
  { event: 'node-planned', node: 'object:app:x', kind: 'object', label: NAME, reason: { kind: 'new' } } as unknown as BuildEvent,
  { event: 'node-started', node: 'object:app:x', kind: 'object', label: NAME, index: 1, total: 1, reason: { kind: 'new' } } as unknown as BuildEvent,
  {
    event: 'node-failed',
    node: 'object:app:x',
    kind: 'object',
    label: NAME,
    message: 'builder failed',
    log: `${NAME.replace('\n', '')}:1:1: error: expected ';'\n    1 | \tint x\x1b]0;title\x07\n      |       ^\n`,
  },
  { event: 'node-cutoff', node: 'link:app', kind: 'link', label: NAME, out: '/nix/store/x' },
  { event: 'watch-rebuild', files: [NAME, 'src/a.c'] },
];

function capture(): { out: string[]; err: string[]; output: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

describe('escapeControl', () => {
  it('escapes newlines, C0, DEL and C1, and leaves other text alone', () => {
    expect(escapeControl('a\nb\r\tc\x1b[31m\x00\x7f\x9b é ✓ \\n')).toBe('a\\nb\\r\\tc\\x1b[31m\\x00\\x7f\\x9b é ✓ \\n');
  });

  it('keeps a log\'s lines and tabs, escaping the rest of each line', () => {
    expect(escapeLog('x.c:1: error\n\tint x;\x1b[2J\r\n')).toBe('x.c:1: error\n\tint x;\\x1b[2J\\r\n');
  });
});

describe('TerminalReporter', () => {
  it('prints no control character but newlines ending its lines (and tabs inside a log)', () => {
    const c = capture();
    const r = new TerminalReporter(c.output, { explain: true });
    for (const e of events) r.event(e);
    const text = [...c.out, ...c.err].join('');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(c.out).toContain('[1/1] CC src/evil\\n[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c\n');
    expect(c.err[0]).toBe('nixmake.json: error: targets.app.sources[0]: "src/evil\\n[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c" matches no file\n');
    expect(c.err[1]).toBe('src/evil\\n[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c:3:10: error: missing header\n');
    // The log keeps its lines, each escaped.
    expect(c.err[2]).toBe(
      'FAILED: src/evil\\n[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c\n' +
        "src/evil[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c:1:1: error: expected ';'\n    1 | \tint x\\x1b]0;title\\x07\n      |       ^\n",
    );
    expect(c.out).toContain('nixmake watch: src/evil\\n[2/2] CC ok\\x1b[2J\\x9b31m\\x7f.c, src/a.c changed; building\n');
    // Every line the terminal shows is one the reporter meant.
    expect(c.out.every((l) => l.indexOf('\n') === l.length - 1)).toBe(true);
  });
});

describe('TerminalReporter under watch', () => {
  it('says when watching begins, and names at most five changed files per rebuild', () => {
    const c = capture();
    const r = new TerminalReporter(c.output, { explain: false });
    r.event({ event: 'watch-ready', folders: 1 });
    r.event({ event: 'watch-rebuild', files: ['a.c', 'b.c', 'c.c', 'd.c', 'e.c', 'f.c', 'g.c'] });
    expect(c.out).toEqual([
      'nixmake watch: watching 1 folder for changes (Ctrl-C to stop)\n',
      'nixmake watch: a.c, b.c, c.c, d.c, e.c and 2 more changed; building\n',
    ]);
  });
});

describe('JsonReporter', () => {
  it('writes one valid JSON value per line that gives back the name exactly', () => {
    const c = capture();
    const r = new JsonReporter(c.output);
    for (const e of events) r.event(e);
    const lines = c.out.join('').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(events.length);
    expect(c.out.join('')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[1]).toMatchObject({ event: 'diagnostic', file: NAME, line: 3, column: 10 });
    expect(parsed[4]).toMatchObject({ event: 'node-started', label: NAME });
  });
});
