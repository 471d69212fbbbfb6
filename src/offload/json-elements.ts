/**
 * Array elements and object members in a parsed JSON value, counted without recursion and only up
 * to just past the limits (as the MCP SDK's maxToolInputElements counts tool arguments), with the
 * widest object seen: an object of many thousands of keys is what makes JSON slow to parse and to
 * validate, far more than the same number of array elements.
 */
export interface JsonShape {
  /** Array elements and object members, counted up to just past the limit. */
  elements: number;
  /** Members of the widest object, counted up to just past the limit. */
  widest: number;
}

export function jsonShape(value: unknown, maxElements: number, maxMembers: number): JsonShape {
  let elements = 0;
  let widest = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (++elements > maxElements) return { elements, widest };
        if (child !== null && typeof child === "object") stack.push(child);
      }
      continue;
    }
    let members = 0;
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      if (++elements > maxElements || ++members > maxMembers) {
        return { elements, widest: Math.max(widest, members) };
      }
      const child = (node as Record<string, unknown>)[key];
      if (child !== null && typeof child === "object") stack.push(child);
    }
    widest = Math.max(widest, members);
  }
  return { elements, widest };
}
