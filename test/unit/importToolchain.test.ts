/**
 * The pure parts of the toolchain import: where a host file goes in the
 * tools tree, and reading ldd. Importing itself is in
 * test/integration/toolchainImport.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseLdd } from '../../toolchain/hostToolchain.js';
import { stagedPath } from '../../toolchain/importToolchain.js';

const MERGED = { lib: 'usr/lib', lib64: 'usr/lib64', bin: 'usr/bin' };

describe('stagedPath', () => {
  it('puts GCC under its relocatable prefix and the C library under sysroot/', () => {
    expect(stagedPath('/usr/bin/x86_64-linux-gnu-gcc-12', MERGED)).toBe('bin/x86_64-linux-gnu-gcc-12');
    expect(stagedPath('/usr/lib/gcc/x86_64-linux-gnu/12/cc1', MERGED)).toBe('lib/gcc/x86_64-linux-gnu/12/cc1');
    expect(stagedPath('/usr/include/stdio.h', MERGED)).toBe('sysroot/usr/include/stdio.h');
    expect(stagedPath('/usr/lib/x86_64-linux-gnu/crt1.o', MERGED)).toBe('sysroot/usr/lib/x86_64-linux-gnu/crt1.o');
  });

  it("keeps libstdc++'s headers beside GCC, where the relocated driver looks for them", () => {
    expect(stagedPath('/usr/include/c++/12/vector', MERGED)).toBe('include/c++/12/vector');
    expect(stagedPath('/usr/include/x86_64-linux-gnu/c++/12/bits/c++config.h', MERGED)).toBe('include/x86_64-linux-gnu/c++/12/bits/c++config.h');
  });

  it('follows merged /usr and leaves documentation and /etc out', () => {
    expect(stagedPath('/lib/x86_64-linux-gnu/libc.so.6', MERGED)).toBe('sysroot/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(stagedPath('/lib64/ld-linux-x86-64.so.2', MERGED)).toBe('sysroot/usr/lib64/ld-linux-x86-64.so.2');
    expect(stagedPath('/lib/x86_64-linux-gnu/libc.so.6', {})).toBeUndefined();
    expect(stagedPath('/usr/share/doc/gcc-12/README', MERGED)).toBeUndefined();
    expect(stagedPath('/etc/ld.so.conf', MERGED)).toBeUndefined();
  });
});

describe('parseLdd', () => {
  it('reads libraries by their DT_NEEDED name and the interpreter by its file name, skipping the vDSO', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd0b5f2000)',
      '\tlibisl.so.23 => /lib/x86_64-linux-gnu/libisl.so.23 (0x00007f2c1a000000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2c19e1f000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f2c1a5b1000)',
    ].join('\n');
    expect(parseLdd(text)).toEqual([
      { name: 'libisl.so.23', hostPath: '/lib/x86_64-linux-gnu/libisl.so.23' },
      { name: 'libc.so.6', hostPath: '/lib/x86_64-linux-gnu/libc.so.6' },
      { name: 'ld-linux-x86-64.so.2', hostPath: '/lib64/ld-linux-x86-64.so.2' },
    ]);
  });

  it('fails on a library the loader cannot find', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found')).toThrow(/libfoo/);
  });
});
