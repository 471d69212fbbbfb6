/**
 * Readers' answers are frozen, not copied: the AWS reader hands out its cached answers themselves
 * (copying them per call was about 5 % of a warm chain), so a caller that changed one would change
 * every later answer. Frozen, such a caller fails at once, in tests, with a TypeError.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
