import { describe, expect, it } from "vitest";
import { Recent } from "../src/mcp/recent.js";

describe("Recent", () => {
  it("makes a value once per key, keeps the last `size`, and drops the oldest first", () => {
    const made: string[] = [];
    const recent = new Recent<string>(2);
    const get = (k: string) => recent.get(k, () => (made.push(k), k.toUpperCase()));
    expect([get("a"), get("a"), get("b")]).toEqual(["A", "A", "B"]);
    get("c"); // drops "a"
    get("b");
    get("a");
    expect(made).toEqual(["a", "b", "c", "a"]);
    recent.delete("a");
    get("a");
    expect(made).toEqual(["a", "b", "c", "a", "a"]);
  });
});
