/**
 * Line and column of a place in a JSON text, so that findings about a file (lint, baseline drift)
 * can point at the line in an editor or a code-scanning annotation.
 */

export type PathSegment = string | number;

/**
 * Splits a parser path such as `Statement[1].Condition["StringEquals"]["aws:SourceIp"]` or
 * `policies.2.content` into segments. Unquoted all-digit segments become numbers.
 */
export function parsePathString(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  if (path === "$" || path === "") return out;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      i++;
      continue;
    }
    if (c === "[") {
      if (path[i + 1] === '"') {
        // A JSON string literal up to the matching quote.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
        try {
          out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          out.push(path.slice(i + 2, j));
        }
        i = j + 2;
      } else {
        const close = path.indexOf("]", i);
        const inner = path.slice(i + 1, close === -1 ? undefined : close);
        out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
        i = close === -1 ? path.length : close + 1;
      }
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
    const seg = path.slice(i, j);
    out.push(/^\d+$/.test(seg) ? Number(seg) : seg);
    i = j;
  }
  return out;
}

export interface TextPosition {
  line: number;
  column: number;
}

class Scanner {
  i = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i] ?? "")) this.i++;
  }

  string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== '"')
      this.i += this.text[this.i] === "\\" ? 2 : 1;
    this.i++;
    try {
      return JSON.parse(this.text.slice(start, this.i)) as string;
    } catch {
      return this.text.slice(start + 1, this.i - 1);
    }
  }

  skipValue(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '"') {
      this.string();
      return;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      this.i++;
      this.ws();
      if (this.text[this.i] === close) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (c === "{") {
          this.string();
          this.ws();
          this.i++; // ':'
        }
        this.skipValue();
        this.ws();
        const sep = this.text[this.i];
        this.i++;
        if (sep !== ",") return;
      }
    }
    while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i] ?? "")) this.i++;
  }
}

function position(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/**
 * The position of the deepest node on `path` that exists in `text` (the member's key for an object
 * member, the value for an array element); the document start when nothing matches. Undefined
 * when the text is not JSON enough to walk.
 */
export function locateInJson(text: string, path: readonly PathSegment[]): TextPosition | undefined {
  const s = new Scanner(text);
  try {
    s.ws();
    let found = s.i;
    for (const seg of path) {
      s.ws();
      const c = text[s.i];
      if (c === "{" && typeof seg === "string") {
        s.i++;
        let hit: number | undefined;
        for (;;) {
          s.ws();
          if (text[s.i] === "}") break;
          const keyAt = s.i;
          const key = s.string();
          s.ws();
          s.i++; // ':'
          if (key === seg) {
            hit = keyAt;
            break;
          }
          s.skipValue();
          s.ws();
          if (text[s.i] === ",") s.i++;
          else break;
        }
        if (hit === undefined) break;
        found = hit;
      } else if (c === "[" && typeof seg === "number") {
        s.i++;
        let n = 0;
        let hit: number | undefined;
        for (;;) {
          s.ws();
          if (text[s.i] === "]") break;
          if (n === seg) {
            hit = s.i;
            break;
          }
          s.skipValue();
          s.ws();
          n++;
          if (text[s.i] === ",") s.i++;
          else break;
        }
        if (hit === undefined) break;
        found = hit;
      } else if (c !== "[" && c !== "{" && (seg === 0 || typeof seg === "string")) {
        // A single value where the parser speaks of element 0 (Action: "x" read as ["x"]): stay here.
        if (seg !== 0) break;
      } else break;
    }
    return position(text, found);
  } catch {
    return undefined;
  }
}
