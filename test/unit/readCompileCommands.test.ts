/**
 * readCompileCommands: a compile database → per-TU flags for nixmake.json's
 * `compileCommands` field.
 */
import { describe, expect, it } from 'vitest';
import { readCompileCommands } from '../../config/readCompileCommands.js';

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
    expect(readCompileCommands('{}', '/p', 'cc.json').errors.map((e) => e.message)).toEqual(['cc.json: expected a JSON array of entries']);
    expect(readCompileCommands('[{"file":"a.c"}]', '/p', 'cc.json').errors.map((e) => e.message)).toEqual(['cc.json: entry 0 needs "directory" and "arguments" or "command"']);
  });
});

describe('readCompileCommands: launchers and entries it cannot read', () => {
  it('looks through ccache, and reports an entry that is not a compile', () => {
    const ok = readCompileCommands(JSON.stringify([{ directory: '/p', file: 'a.c', command: 'ccache cc -DX=1 -c a.c -o a.o' }]), '/p', 'cc.json');
    expect([...ok.flags]).toEqual([['a.c', ['-DX=1']]]);
    const bad = readCompileCommands(JSON.stringify([{ directory: '/p', file: 'a.c', command: 'mytool a.c' }]), '/p', 'cc.json');
    expect(bad.errors.map((e) => e.message)).toEqual(['cc.json: entry 0 (a.c) is not a C/C++ compile command nixmake understands: mytool a.c ...']);
  });
});
