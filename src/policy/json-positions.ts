/**
 * Line and column of places in one JSON text, from a single pass over it: locateInJson
 * (json-locate.ts) walks the text again for every place, which costs a long text's length per
 * finding. Same answers: the deepest node on the path that exists (an object member's key, an
 * array element's value), a scalar standing for its element 0, the document start when nothing
 * matches. The pass keeps no recursion, so any nesting is fine.
 */
import type { PathSegment, TextPosition } from "./json-locate.js";

interface Member {
  keyAt: number;
  value: Node;
}

interface Node {
  start: number;
  /** An object's members (the first of a repeated key), an array's elements; neither for a scalar. */
  members?: Map<string, Member>;
  elements?: Node[];
}

interface Frame {
  node: Node;
  key?: string;
  keyAt?: number;
}

const isWs = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
/** Where a bare scalar (number, true, null) ends. */
const endsScalar = (c: number): boolean => isWs(c) || c === 44 || c === 93 || c === 125;

export class JsonPositions {
  private readonly root: Node | undefined;
  private lineStarts: number[] | undefined;

  constructor(private readonly text: string) {
    this.root = build(text);
  }

  locate(path: readonly PathSegment[]): TextPosition | undefined {
    if (!this.root) return undefined;
    let node: Node = this.root;
    let found = node.start;
    for (const seg of path) {
      if (node.members && typeof seg === "string") {
        const m = node.members.get(seg);
        if (!m) break;
        found = m.keyAt;
        node = m.value;
      } else if (node.elements && typeof seg === "number") {
        const e = node.elements[seg];
        if (!e) break;
        found = e.start;
        node = e;
      } else if (!node.members && !node.elements && seg === 0) {
        // A single value where the parser speaks of element 0 (Action: "x" read as ["x"]): stay here.
        continue;
      } else break;
    }
    return this.position(found);
  }

  private position(offset: number): TextPosition {
    const starts = (this.lineStarts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  }
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** The nodes of the text, read as locateInJson's scanner reads it (tolerant of what follows a value). */
function build(text: string): Node | undefined {
  const n = text.length;
  let i = 0;
  const ws = (): void => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
  };
  const skipString = (): void => {
    i++;
    while (i < n && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
    i++;
  };
  const readKey = (): string => {
    const start = i;
    skipString();
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return text.slice(start + 1, i - 1);
    }
  };
  const stack: Frame[] = [];
  let root: Node | undefined;
  const attach = (child: Node): void => {
    const top = stack[stack.length - 1];
    if (!top) root = child;
    else if (top.node.members) {
      const key = top.key ?? "";
      if (!top.node.members.has(key))
        top.node.members.set(key, { keyAt: top.keyAt ?? child.start, value: child });
    } else top.node.elements?.push(child);
  };
  /** After '{' or ',' in an object: the member's key and its colon. */
  const memberKey = (frame: Frame): void => {
    ws();
    frame.keyAt = i;
    frame.key = readKey();
    ws();
    i++; // ':'
  };

  for (;;) {
    // A value starts here.
    ws();
    if (i >= n) return root;
    const c = text.charCodeAt(i);
    const node: Node = { start: i };
    attach(node);
    let done = true;
    if (c === 123 || c === 91) {
      if (c === 123) node.members = new Map();
      else node.elements = [];
      const frame: Frame = { node };
      i++;
      ws();
      if (text.charCodeAt(i) === (c === 123 ? 125 : 93)) i++;
      else {
        stack.push(frame);
        if (c === 123) memberKey(frame);
        done = false;
      }
    } else if (c === 34) skipString();
    else while (i < n && !endsScalar(text.charCodeAt(i))) i++;
    if (!done) continue;
    // The value is complete: a ',' continues its container, anything else closes it.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return root;
      ws();
      if (i >= n) return root;
      const sep = text.charCodeAt(i);
      i++;
      if (sep === 44) {
        if (top.node.members) memberKey(top);
        break;
      }
      stack.pop();
    }
  }
}
