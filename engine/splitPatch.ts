/**
 * splitPatch: a unified diff (`diff -u`, `git diff`) split by the files it
 * touches, and one file's hunks applied to its text — so that `nixmake
 * export --patch` changes each patched file on its own, and an object whose
 * closure holds none of them keeps its derivation.
 *
 * Applying is exact, as `patch --fuzz=0` is: a hunk's context and removed
 * lines must be in the file, at its line or, if the file moved under it,
 * at the nearest line where they all are (the offset `patch` reports).
 * Files created, deleted or renamed by a patch, and binary diffs, are
 * refused.
 *
 * Pure: the caller reads the patch and the files.
 */

export interface Hunk {
  /** 1-based line of the patch where the hunk's `@@` line is (for messages). */
  readonly patchLine: number;
  /** 1-based line of the old file where the hunk starts (0 for an empty file). */
  readonly oldStart: number;
  /** The hunk's body: lines starting with ' ', '-' or '+', without their newlines. */
  readonly lines: readonly string[];
  /** Whether the old text's last line of this hunk has no newline (`\ No newline at end of file`). */
  readonly oldNoNewline: boolean;
  readonly newNoNewline: boolean;
}

export interface FilePatch {
  /** The names its `---` and `+++` lines give, as written (timestamps dropped). */
  readonly oldName: string;
  readonly newName: string;
  /** Whether a `diff --git` line introduced it (names then carry `a/` and `b/`). */
  readonly git: boolean;
  /** 1-based line of the patch where this file's part starts. */
  readonly patchLine: number;
  readonly hunks: readonly Hunk[];
}

export type SplitResult = { readonly ok: true; readonly files: readonly FilePatch[] } | { readonly ok: false; readonly line: number; readonly message: string };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `--- a/src/x.c\t2020-01-01 …` → `a/src/x.c`. */
function nameOf(header: string): string {
  const rest = header.slice(4);
  const tab = rest.indexOf('\t');
  const name = tab >= 0 ? rest.slice(0, tab) : rest.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4}$/, '');
  return name.startsWith('"') && name.endsWith('"') ? (JSON.parse(name) as string) : name;
}

export function splitPatch(text: string): SplitResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const files: FilePatch[] = [];
  let git = false;
  let gitLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.startsWith('diff --git ')) {
      git = true;
      gitLine = i + 1;
      continue;
    }
    if (/^(new|deleted) file mode |^rename (from|to) |^copy (from|to) /.test(l)) return { ok: false, line: i + 1, message: `${l.split(' ').slice(0, 2).join(' ')}: a patch that creates, deletes, renames or copies a file is not supported` };
    if (l.startsWith('GIT binary patch') || l.startsWith('Binary files ')) return { ok: false, line: i + 1, message: 'a binary diff is not supported' };
    if (!l.startsWith('--- ') || !(lines[i + 1] ?? '').startsWith('+++ ')) continue;
    const start = git ? gitLine : i + 1;
    const oldName = nameOf(l);
    const newName = nameOf(lines[i + 1] as string);
    if (oldName === '/dev/null' || newName === '/dev/null') return { ok: false, line: i + 1, message: 'a patch that creates or deletes a file is not supported' };
    i += 2;
    const hunks: Hunk[] = [];
    while (i < lines.length && HUNK.test(lines[i] as string)) {
      const m = HUNK.exec(lines[i] as string) as RegExpExecArray;
      const patchLine = i + 1;
      let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      let newLeft = m[4] === undefined ? 1 : Number(m[4]);
      const body: string[] = [];
      let oldNoNewline = false;
      let newNoNewline = false;
      i++;
      while (i < lines.length && (oldLeft > 0 || newLeft > 0 || (lines[i] ?? '').startsWith('\\'))) {
        const b = lines[i] as string;
        if (b.startsWith('\\')) {
          // Applies to the line just before it: old, new, or both for context.
          const prev = body.at(-1) ?? ' ';
          if (prev.startsWith('-') || prev.startsWith(' ')) oldNoNewline = true;
          if (prev.startsWith('+') || prev.startsWith(' ')) newNoNewline = true;
          i++;
          continue;
        }
        // An empty line in a hunk is an empty context line (some tools strip the trailing space).
        const line = b === '' ? ' ' : b;
        const c = line[0];
        if (c === ' ') {
          oldLeft--;
          newLeft--;
        } else if (c === '-') oldLeft--;
        else if (c === '+') newLeft--;
        else return { ok: false, line: i + 1, message: `hunk at line ${patchLine} ends early: "${b.slice(0, 40)}" is not a line of it` };
        if (oldLeft < 0 || newLeft < 0) return { ok: false, line: i + 1, message: `hunk at line ${patchLine} is longer than its @@ line says` };
        body.push(line);
        i++;
      }
      if (oldLeft > 0 || newLeft > 0) return { ok: false, line: patchLine, message: `hunk at line ${patchLine} is shorter than its @@ line says (the patch is truncated)` };
      hunks.push({ patchLine, oldStart: Number(m[1]), lines: body, oldNoNewline, newNoNewline });
    }
    i--;
    if (hunks.length === 0) return { ok: false, line: start, message: `${newName}: no hunk after its --- and +++ lines` };
    files.push({ oldName, newName, git, patchLine: start, hunks });
    git = false;
  }
  if (files.length === 0) return { ok: false, line: 1, message: 'no unified diff in it (--- and +++ lines, then @@ hunks)' };
  return { ok: true, files };
}

export type ApplyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly hunk: Hunk; readonly message: string };

/** `text` with `hunks` applied in order (they must not overlap, as diff writes them). */
export function applyHunks(text: string, hunks: readonly Hunk[]): ApplyResult {
  const endsWithNewline = text === '' || text.endsWith('\n');
  const lines = text === '' ? [] : text.split('\n');
  if (endsWithNewline && lines.length > 0) lines.pop();
  let noNewline = !endsWithNewline;
  const out: string[] = [];
  let next = 0;
  /** How far earlier hunks moved the file against the patch's numbers. */
  let offset = 0;
  for (const h of hunks) {
    const old = h.lines.filter((l) => l[0] !== '+').map((l) => l.slice(1));
    // Where its first old line is; a hunk with no old line (`-5,0`) inserts after line 5.
    const base = old.length === 0 ? h.oldStart : h.oldStart - 1;
    const want = Math.max(0, base + offset);
    const at = (p: number): boolean => p >= next && p + old.length <= lines.length && old.every((l, k) => lines[p + k] === l);
    let found = -1;
    for (let d = 0; d <= lines.length; d++) {
      if (at(want - d)) {
        found = want - d;
        break;
      }
      if (at(want + d)) {
        found = want + d;
        break;
      }
      if (want - d < next && want + d > lines.length) break;
    }
    if (found < 0) return { ok: false, hunk: h, message: `hunk at line ${h.patchLine} does not apply: its context and removed lines are not in the file${h.oldStart > 0 ? ` near line ${h.oldStart}` : ''}` };
    const touchesEnd = found + old.length === lines.length;
    if (touchesEnd && h.oldNoNewline !== noNewline && old.length > 0) return { ok: false, hunk: h, message: `hunk at line ${h.patchLine} does not apply: the file's last line ${noNewline ? 'has no' : 'has a'} newline` };
    out.push(...lines.slice(next, found), ...h.lines.filter((l) => l[0] !== '-').map((l) => l.slice(1)));
    next = found + old.length;
    offset = found - base;
    if (touchesEnd) noNewline = h.newNoNewline;
  }
  out.push(...lines.slice(next));
  return { ok: true, text: out.length === 0 ? '' : `${out.join('\n')}${noNewline ? '' : '\n'}` };
}
