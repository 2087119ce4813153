/**
 * readCompileCommands: a compile database → per-TU flags for nixmake.json's
 * `compileCommands` field.
 */
import { describe, expect, it } from 'vitest';
import { readCompileCommands } from '../../config/readCompileCommands.js';
import { formatDiagnostic } from '../../core/Diagnostic.js';

describe('readCompileCommands', () => {
  it('keeps each TU\'s flags, paths made project-relative, outputs and depfiles dropped', () => {
    const db = JSON.stringify([
      { directory: '/p/build', file: '../src/a.c', command: 'cc -I../inc -I/usr/include/x "-DNAME=\\"a b\\"" -O2 -MD -MF a.d -c ../src/a.c -o a.o' },
      { directory: '/p', file: 'src/b.c', arguments: ['gcc', '-iquote', 'q', '-c', 'src/b.c', '-o', 'b.o'] },
      { directory: '/elsewhere', file: '/elsewhere/x.c', command: 'cc -c x.c' },
    ]);
    const r = readCompileCommands(db, '/p', 'build/compile_commands.json');
    expect(r.errors).toEqual([]);
    expect([...r.flags]).toEqual([
      ['src/a.c', ['-Iinc', '-I/usr/include/x', '-DNAME="a b"', '-O2']],
      ['src/b.c', ['-iquoteq']],
    ]);
  });

  it('reports a database that is not an array, or an entry without a command, naming the file', () => {
    expect(readCompileCommands('{}', '/p', 'cc.json').errors.map(formatDiagnostic)).toEqual(['cc.json: error: expected a JSON array of entries']);
    expect(readCompileCommands('[{"file":"a.c"}]', '/p', 'cc.json').errors.map(formatDiagnostic)).toEqual(['cc.json: error: entry 0: needs "directory" and "arguments" or "command"']);
    expect(readCompileCommands('[null, 3]', '/p', 'cc.json').errors.map(formatDiagnostic)).toEqual([
      'cc.json: error: entry 0: needs "directory" and "arguments" or "command"',
      'cc.json: error: entry 1: needs "directory" and "arguments" or "command"',
    ]);
  });
});

describe('readCompileCommands: launchers and entries it cannot read', () => {
  it('looks through ccache, and reports an entry that is not a compile', () => {
    const ok = readCompileCommands(JSON.stringify([{ directory: '/p', file: 'a.c', command: 'ccache cc -DX=1 -c a.c -o a.o' }]), '/p', 'cc.json');
    expect([...ok.flags]).toEqual([['a.c', ['-DX=1']]]);
    const bad = readCompileCommands(JSON.stringify([{ directory: '/p', file: 'a.c', command: 'mytool a.c' }]), '/p', 'cc.json');
    expect(bad.errors.map(formatDiagnostic)).toEqual(['cc.json: error: entry 0: is not a C/C++ compile command nixmake understands (one compiler run with -c and one source file)']);
  });
});

describe('readCompileCommands: errors never echo the file', () => {
  it('names the entry, not its text', () => {
    const secret = 'root:$6$hash-of-a-secret';
    const r = readCompileCommands(JSON.stringify([{ directory: '/p', file: secret, command: `${secret} ${secret}` }]), '/p', 'cc.json');
    expect(r.errors).toHaveLength(1);
    expect(JSON.stringify(r.errors)).not.toContain('secret');
  });

  it('reports invalid JSON at line and column, without V8\'s excerpt', () => {
    for (const text of ['root:x:0:0:root:/root:/bin/bash\n', '[\n  {"directory": "/p", secret}\n]', '[1, 2', '']) {
      const r = readCompileCommands(text, '/p', 'cc.json');
      expect(r.errors).toHaveLength(1);
      const d = r.errors[0]!;
      expect(d.message).toMatch(/^invalid JSON: /);
      expect(d.message).not.toMatch(/root|secret|"/);
    }
    expect(readCompileCommands('[\n  {"directory": "/p", secret}\n]', '/p', 'cc.json').errors.map(formatDiagnostic)).toEqual(['cc.json:2:23: error: invalid JSON: expected double-quoted property name']);
    expect(readCompileCommands('root:x:0:0\n', '/p', 'cc.json').errors.map(formatDiagnostic)).toEqual(['cc.json:1:1: error: invalid JSON: unexpected character']);
  });
});
