/**
 * A small unified diff (the `diff -u` format, POSIX `diff` "-u" and GNU diffutils "Unified Format")
 * of two texts, for showing people what a deploy will do to a file on a host. Pure: the review and
 * the CLI show it, nothing applies it. Lines are compared whole, by a longest common subsequence,
 * which is quick for the short configuration files it serves.
 */

/** One line of a text and whether a newline ends it (the last line of a file may have none). */
interface Line {
  text: string;
  eol: boolean;
}

function linesOf(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const last = parts.pop() as string;
  const lines = parts.map((t) => ({ text: t, eol: true }));
  if (last !== '') lines.push({ text: last, eol: false });
  return lines;
}

const same = (a: Line, b: Line): boolean => a.text === b.text && a.eol === b.eol;

type Op = { kind: ' ' | '-' | '+'; line: Line; a: number; b: number };

/**
 * Past this many cells the LCS table would be large: the whole old text is shown removed and the
 * whole new one added instead (still a correct diff, only longer).
 */
const MAX_CELLS = 4_000_000;

/** The edit script from `a` to `b`: kept, removed and added lines in order, with their indexes. */
function editScript(a: Line[], b: Line[]): Op[] {
  // Common head and tail first: most edits of a configuration file touch a few lines in the middle.
  let head = 0;
  while (head < a.length && head < b.length && same(a[head] as Line, b[head] as Line)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && same(a[a.length - 1 - tail] as Line, b[b.length - 1 - tail] as Line))
    tail++;
  const ops: Op[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: ' ', line: a[i] as Line, a: i, b: i });
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const n = am.length;
  const m = bm.length;
  if (n * m > MAX_CELLS) {
    am.forEach((line, i) => ops.push({ kind: '-', line, a: head + i, b: head }));
    bm.forEach((line, j) => ops.push({ kind: '+', line, a: head + n, b: head + j }));
  } else {
    // lcs[i][j] = length of the longest common subsequence of am[i..] and bm[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] = same(am[i] as Line, bm[j] as Line)
          ? (lcs[(i + 1) * w + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(am[i] as Line, bm[j] as Line)) {
        ops.push({ kind: ' ', line: am[i] as Line, a: head + i, b: head + j });
        i++;
        j++;
      } else if (j >= m || (i < n && (lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))) {
        ops.push({ kind: '-', line: am[i] as Line, a: head + i, b: head + j });
        i++;
      } else {
        ops.push({ kind: '+', line: bm[j] as Line, a: head + i, b: head + j });
        j++;
      }
    }
  }
  for (let k = tail; k > 0; k--) ops.push({ kind: ' ', line: a[a.length - k] as Line, a: a.length - k, b: b.length - k });
  return ops;
}

/** `start,count` of a hunk side: a one-line range is just `start`, an empty one starts at the line before it. */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

export interface UnifiedDiffOptions {
  /** Name of the old side on the `---` line; `/dev/null` for a file that does not exist yet. */
  fromLabel: string;
  /** Name of the new side on the `+++` line; `/dev/null` for a file about to be removed. */
  toLabel: string;
  /** Unchanged lines shown around each change; default 3, as `diff -u`. */
  context?: number;
}

/**
 * The unified diff from `before` to `after`, ending with a newline; the empty string when they are
 * equal. A side without a final newline gets the `\ No newline at end of file` line, as in GNU diff.
 *
 * @example
 * unifiedDiff('a\nb\n', 'a\nc\n', { fromLabel: 'a/x', toLabel: 'b/x' })
 * // --- a/x
 * // +++ b/x
 * // @@ -1,2 +1,2 @@
 * //  a
 * // -b
 * // +c
 */
export function unifiedDiff(before: string, after: string, opts: UnifiedDiffOptions): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const ops = editScript(linesOf(before), linesOf(after));
  const out = [`--- ${opts.fromLabel}`, `+++ ${opts.toLabel}`];
  let k = 0;
  while (k < ops.length) {
    // Next change, then extend the hunk while the gap to the following change is short enough to bridge.
    while (k < ops.length && (ops[k] as Op).kind === ' ') k++;
    if (k >= ops.length) break;
    const from = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && (ops[gap] as Op).kind === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else break;
    }
    const to = Math.min(ops.length, end + context);
    const hunk = ops.slice(from, to);
    const first = hunk[0] as Op;
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${range(first.a, aCount)} +${range(first.b, bCount)} @@`);
    for (const o of hunk) {
      out.push(`${o.kind}${o.line.text}`);
      if (!o.line.eol) out.push('\\ No newline at end of file');
    }
    k = to;
  }
  return `${out.join('\n')}\n`;
}
