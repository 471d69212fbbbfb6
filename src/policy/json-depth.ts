/**
 * Whether a JSON value nests deeper than `max` levels, found without recursion. Policy documents and
 * baselines nest a handful of levels; one nested thousands deep would overflow the stack of the
 * recursive walks that follow (zod, JSON.stringify), so callers refuse it first, by name.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
