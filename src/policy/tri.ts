/**
 * Three-valued logic. "unknown" means the request context lacks something the outcome depends on;
 * it must never be collapsed into the permissive answer.
 */
export type Tri = true | false | "unknown";

export const UNKNOWN = "unknown" as const;

export function triNot(value: Tri): Tri {
  return value === UNKNOWN ? UNKNOWN : !value;
}

/** Kleene AND: false wins over unknown. */
export function triAnd(values: Iterable<Tri>): Tri {
  let sawUnknown = false;
  for (const v of values) {
    if (v === false) return false;
    if (v === UNKNOWN) sawUnknown = true;
  }
  return sawUnknown ? UNKNOWN : true;
}

export function and2(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  return true;
}

export function or2(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  return false;
}
