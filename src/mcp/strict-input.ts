/**
 * Strict tool arguments: a misnamed argument ("principal" for principalArn, "Region" for region)
 * would otherwise be dropped and the answer computed without it. An unknown argument is refused,
 * naming it and the closest valid one.
 */
import { z } from "zod";

const normalise = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Edit distance, for names of a few dozen characters at most. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The valid name `name` most likely stands for: the same name in another case or spelling
 * (policy_id, PolicyId), a name it begins (principal: principalArn), or one a typo or two away.
 */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  const n = normalise(name);
  if (!n) return undefined;
  const same = valid.find((v) => normalise(v) === n);
  if (same) return same;
  const prefixed = valid
    .filter((v) => normalise(v).startsWith(n) || n.startsWith(normalise(v)))
    .sort((a, b) => Math.abs(normalise(a).length - n.length) - Math.abs(normalise(b).length - n.length));
  if (prefixed[0] !== undefined) return prefixed[0];
  let best: { name: string; d: number } | undefined;
  for (const v of valid) {
    const d = distance(n, normalise(v));
    if (!best || d < best.d) best = { name: v, d };
  }
  return best && best.d <= Math.max(2, Math.floor(n.length / 3)) ? best.name : undefined;
}

/** One sentence for arguments that are not in `valid`. */
export function unknownArgumentsMessage(
  keys: readonly string[],
  valid: readonly string[],
  where: string,
): string {
  const each = keys.map((k) => {
    const near = closestName(k, valid);
    return `unknown argument ${JSON.stringify(k)}${near ? `: did you mean ${JSON.stringify(near)}?` : ""}`;
  });
  // No full stop: the SDK appends " at <path>" for a nested object.
  return `${each.join("; ")} (${where} takes ${valid.length ? valid.join(", ") : "no arguments"})`;
}

/**
 * An object schema that refuses keys it does not declare, with a message naming each unknown key
 * and its closest valid name. `where` names the object for the message ("get_scp_detail", "limits").
 */
export function strictObject<S extends z.ZodRawShape>(
  shape: S,
  where: string,
): z.ZodObject<S, z.core.$strict> {
  const valid = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? unknownArgumentsMessage(issue.keys, valid, where) : undefined,
  });
}
