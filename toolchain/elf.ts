/**
 * elf: the little of an ELF file's header that the toolchain import needs
 * (is it ELF, does it ask for an interpreter, is it dynamically linked),
 * read from its first bytes without running anything. 64-bit
 * little-endian only, as on x86_64 and aarch64 Linux.
 */
import fs from 'node:fs';

export interface ElfKind {
  /** PT_INTERP is present: a dynamically linked program. */
  readonly interp: boolean;
  /** PT_DYNAMIC is present: a program or shared library that loads others. */
  readonly dynamic: boolean;
}

const PT_DYNAMIC = 2;
const PT_INTERP = 3;

/** The file's kind, or undefined when it is not a 64-bit little-endian ELF file. */
export function elfKind(file: string): ElfKind | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 64) return undefined;
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    if (fs.readSync(fd, table, 0, table.length, phoff) < table.length) return undefined;
    let interp = false;
    let dynamic = false;
    for (let i = 0; i < phnum; i++) {
      const type = table.readUInt32LE(i * phentsize);
      if (type === PT_INTERP) interp = true;
      if (type === PT_DYNAMIC) dynamic = true;
    }
    return { interp, dynamic };
  } finally {
    fs.closeSync(fd);
  }
}
