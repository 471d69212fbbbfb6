/**
 * Positions in a pasted log: line starts, ranges already read, and the window of text around a
 * message (its record: the lines before it back to the error's first line, the lines after it up
 * to the next record).
 */

/** Context windows around a message. */
const BEFORE_LINES = 3;
export const BEFORE_CHARS = 1500;
const AFTER_LINES = 12;
const AFTER_CHARS = 6000;

/** A line that starts a new error record; context windows stop there. */
const RECORD_START_RE =
  /An error occurred \(|operation error |Error executing "|<Code>|\bError:|\bERROR\b|Traceback \(|\[ERROR\]|Exception:/;

export class Lines {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  /** Number of lines; a final newline does not start another line. */
  get count(): number {
    return this.text.endsWith("\n") ? this.starts.length - 1 : this.starts.length;
  }
  /** 0-based line index of an offset. */
  index(pos: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  start(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))] as number;
  }
  /** Offset of the newline ending `line` (or the text length). */
  end(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }
}

/** Sorted, merged [start, end) ranges with binary-search lookup. */
export class Ranges {
  private list: [number, number][] = [];
  private sorted = true;
  add(start: number, end: number): void {
    if (end <= start) return;
    const last = this.list[this.list.length - 1];
    if (last !== undefined && this.sorted && start >= last[0]) {
      if (start <= last[1]) {
        last[1] = Math.max(last[1], end);
        return;
      }
    } else if (last !== undefined) {
      this.sorted = false;
    }
    this.list.push([start, end]);
  }
  private normalise(): void {
    if (this.sorted) return;
    this.list.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of this.list) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.list = merged;
    this.sorted = true;
  }
  /** End of the last range that ends at or before `pos` (0 when none). */
  floor(pos: number): number {
    this.normalise();
    let lo = 0;
    let hi = this.list.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid] as [number, number];
      if (r[1] <= pos) {
        best = r[1];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }
  has(pos: number): boolean {
    this.normalise();
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid] as [number, number];
      if (pos < r[0]) hi = mid - 1;
      else if (pos >= r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** Collapse whitespace; re-join ARNs a terminal wrapped after a hyphen ("us-east-\n   1:…"). */
export function normalise(text: string): string {
  // Terraform draws its diagnostics in a box: wrapped lines start with "│ " (or ╷ ╵).
  const unboxed = text.includes("\n") ? text.replace(/(^|\n)[ \t]*[\u2502\u2577\u2575][ \t]?/g, "$1") : text;
  const joined = unboxed.includes("\n")
    ? unboxed.replace(/-[ \t]{0,200}\r?\n[ \t]{0,200}(?=[0-9a-z])/g, "-")
    : unboxed;
  return joined.replace(/\s+/g, " ");
}

/** Start of a message's record: a few lines back, stopping at a record start, never below `floor`. */
export function beforeStart(lines: Lines, pos: number, floor: number): number {
  const line = lines.index(pos);
  let start = lines.start(line);
  if (!RECORD_START_RE.test(lines.text.slice(Math.max(start, floor, pos - BEFORE_CHARS), pos))) {
    for (let k = 1; k <= BEFORE_LINES && line - k >= 0; k++) {
      const s = lines.start(line - k);
      if (s < floor || pos - s > BEFORE_CHARS) break;
      start = s;
      if (RECORD_START_RE.test(lines.text.slice(s, lines.end(line - k)))) break;
    }
  }
  return Math.max(start, floor, pos - BEFORE_CHARS);
}

/** End of a message's record: a few lines on, stopping at the next record, never past `ceiling`. */
export function afterEnd(lines: Lines, pos: number, ceiling: number): number {
  const line = lines.index(pos);
  let end = lines.end(line);
  for (let k = 1; k <= AFTER_LINES; k++) {
    const s = lines.start(line + k);
    if (s <= end || s >= ceiling) break;
    const e = lines.end(line + k);
    if (e - pos > AFTER_CHARS) break;
    if (RECORD_START_RE.test(lines.text.slice(s, e))) break;
    end = e;
  }
  return Math.min(end, ceiling, pos + AFTER_CHARS);
}
