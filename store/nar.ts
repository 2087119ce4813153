/**
 * nar: Nix ARchive serialisation (libutil/archive.cc dumpPath), the bytes
 * whose sha256 names a path added by `builtins.path` or `nix-store --add`.
 *
 * Every token is a string: u64 little-endian length, the bytes, zero padding
 * to 8. A node is `( type regular [executable ""] contents <bytes> )`,
 * `( type symlink target <t> )` or `( type directory (entry ( name <n> node
 * <node> ))* )` with entries in byte order of their names; the archive is
 * "nix-archive-1" then the root node. Only the owner's execute bit counts;
 * times, owners and other modes are not recorded. Does not read NARs back,
 * apply the macOS case hack, or filter paths.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

function str(s: string | Uint8Array): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const out = Buffer.alloc(8 + bytes.length + padding(bytes.length));
  out.writeBigUInt64LE(BigInt(bytes.length), 0);
  out.set(bytes, 8);
  return out;
}

function padding(size: number): number {
  return (8 - (size % 8)) % 8;
}

const MAGIC = str('nix-archive-1');
const OPEN = str('(');
const CLOSE = str(')');
const TYPE = str('type');
const REGULAR_HEADER = Buffer.concat([OPEN, TYPE, str('regular')]);
const EXECUTABLE = Buffer.concat([str('executable'), str('')]);
const CONTENTS = str('contents');

function fileHead(size: number, executable: boolean): Buffer[] {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(size), 0);
  return executable ? [REGULAR_HEADER, EXECUTABLE, CONTENTS, len] : [REGULAR_HEADER, CONTENTS, len];
}

function fileTail(size: number): Buffer {
  return Buffer.concat([Buffer.alloc(padding(size)), CLOSE]);
}

/**
 * The bytes of a one-file NAR that come before the file's contents (magic,
 * node header, contents length). Send or hash these, then the `size`
 * content bytes, then `narFileTrailer(size)`.
 */
export function narFileHeader(size: number, executable: boolean): Buffer {
  return Buffer.concat([MAGIC, ...fileHead(size, executable)]);
}

/** The bytes after a file's contents: padding to 8, then the node's ")". */
export function narFileTrailer(size: number): Buffer {
  return fileTail(size);
}

export function narOfFile(contents: Uint8Array, executable: boolean): Buffer {
  return Buffer.concat([narFileHeader(contents.length, executable), contents, narFileTrailer(contents.length)]);
}

export function narOfSymlink(target: string): Buffer {
  return Buffer.concat([MAGIC, OPEN, TYPE, str('symlink'), str('target'), str(target), CLOSE]);
}

/** The NAR of a file, symlink or directory tree, read synchronously (small trees only). */
export function narOfPath(absPath: string): Buffer {
  const parts: Buffer[] = [MAGIC];
  dumpNode(Buffer.from(absPath, 'utf8'), parts);
  return Buffer.concat(parts);
}

const SLASH = Buffer.from('/');

// Paths travel as Buffers so that names which are not UTF-8 survive.
function dumpNode(p: Buffer, parts: Buffer[]): void {
  const st = fs.lstatSync(p);
  if (st.isFile()) {
    const contents = fs.readFileSync(p);
    parts.push(...fileHead(contents.length, (st.mode & 0o100) !== 0), contents, fileTail(contents.length));
  } else if (st.isSymbolicLink()) {
    parts.push(OPEN, TYPE, str('symlink'), str('target'), str(fs.readlinkSync(p, { encoding: 'buffer' })), CLOSE);
  } else if (st.isDirectory()) {
    parts.push(OPEN, TYPE, str('directory'));
    // Bytewise, as Nix's std::map of names.
    const names = fs.readdirSync(p, { encoding: 'buffer' }).sort(Buffer.compare);
    for (const name of names) {
      parts.push(str('entry'), OPEN, str('name'), str(name), str('node'));
      dumpNode(Buffer.concat([p, SLASH, name]), parts);
      parts.push(CLOSE);
    }
    parts.push(CLOSE);
  } else {
    throw new Error(`cannot put '${p.toString()}' in a NAR: not a regular file, symlink or directory`);
  }
}

export function narSha256Hex(nar: Uint8Array): string {
  return createHash('sha256').update(nar).digest('hex');
}
