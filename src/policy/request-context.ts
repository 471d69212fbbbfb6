/** The request context: condition keys and their values, and what can be derived from the principal. */
import type { ReadingId } from "./readings.js";

export type ContextValue = string | readonly string[];

export interface ContextEntry {
  /** The key as the caller spelled it. */
  key: string;
  values: readonly string[];
  /** True when the caller gave a list (a multivalued key), even with one element. */
  multi: boolean;
}

/**
 * How to read a key the context lacks. "unknown" (the default) treats the context as partial: the
 * caller may simply not have said, so conditions that depend on the key are unknown. "absent" treats
 * the context as complete, as AWS does at request time: the key is not in the request.
 */
export type MissingKeyMode = "unknown" | "absent";

/**
 * Condition key names are case-insensitive, but the part after the first "/" (a tag key in
 * aws:RequestTag/CostCenter) is kept as written.
 */
export function normalizeConditionKey(key: string): string {
  const slash = key.indexOf("/");
  return slash === -1 ? key.toLowerCase() : key.slice(0, slash).toLowerCase() + key.slice(slash);
}

/** Frozen contexts already read into entries: a simulation evaluates one context per action and chain. */
const prepared = new WeakMap<object, ReadonlyMap<string, ContextEntry>>();

export class RequestContextValues {
  private readonly entries = new Map<string, ContextEntry>();

  /**
   * The context of a request. A frozen record is read once: later calls copy its entries (which
   * are never changed, only replaced), so a context of many keys costs one read per request.
   */
  static from(record: Readonly<Record<string, ContextValue>> | undefined): RequestContextValues {
    const ctx = new RequestContextValues();
    if (!record) return ctx;
    const known = prepared.get(record);
    if (known) {
      for (const [key, entry] of known) ctx.entries.set(key, entry);
      return ctx;
    }
    for (const [key, value] of Object.entries(record)) ctx.set(key, value);
    if (Object.isFrozen(record)) prepared.set(record, new Map(ctx.entries));
    return ctx;
  }

  set(key: string, value: ContextValue): void {
    const multi = typeof value !== "string";
    const values: readonly string[] = typeof value === "string" ? [value] : [...value];
    this.entries.set(normalizeConditionKey(key), { key, values, multi });
  }

  /** Lookup by a key already passed through normalizeConditionKey. */
  getNormalized(normalizedKey: string): ContextEntry | undefined {
    return this.entries.get(normalizedKey);
  }

  get(key: string): ContextEntry | undefined {
    return this.entries.get(normalizeConditionKey(key));
  }

  has(key: string): boolean {
    return this.entries.has(normalizeConditionKey(key));
  }

  toRecord(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const entry of this.entries.values()) {
      out[entry.key] = entry.multi ? [...entry.values] : (entry.values[0] ?? "");
    }
    return out;
  }
}

/** What the evaluator knows while matching: the context and how to read missing keys. */
export interface EvalEnv {
  context: RequestContextValues;
  missingKeys: MissingKeyMode;
  /**
   * When the request names no resource, patterns other than "*" cannot be decided: their result is
   * unknown (reported as the pseudo-key RESOURCE_KEY), never a silent non-match.
   */
  resourceKnown: boolean;
  /** Open questions read the other way (see readings.ts); absent or empty: the followed readings. */
  alternativeReadings?: ReadonlySet<ReadingId>;
  /** Where the evaluator records each open question a match relied on. */
  readingsUsed?: ReadingId[];
}

/** Pseudo context key reported when the outcome depends on a resource the request did not name. */
export const RESOURCE_KEY = "(request resource)";

export type PrincipalKind =
  "root" | "iam-user" | "iam-role" | "service-linked-role" | "assumed-role" | "federated-user" | "other";

export interface PrincipalInfo {
  input: string;
  kind: PrincipalKind;
  /** The value of aws:PrincipalArn for this principal. */
  principalArn: string;
  partition?: string;
  account?: string;
  roleName?: string;
  sessionName?: string;
  isServiceLinkedRole: boolean;
  notes: string[];
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits an ARN into its six parts; the resource part keeps any further colons. */
export function parseArn(arn: string): ParsedArn | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(":", start);
    if (colon === -1) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  if (parts[0] !== "arn") return undefined;
  return {
    partition: parts[1] ?? "",
    service: parts[2] ?? "",
    region: parts[3] ?? "",
    account: parts[4] ?? "",
    resource: arn.slice(start),
  };
}

const SLR_PATH = "role/aws-service-role/";

export function describePrincipal(input: string): PrincipalInfo {
  const arn = parseArn(input);
  const base = { input, principalArn: input, isServiceLinkedRole: false, notes: [] as string[] };
  if (!arn) {
    base.notes.push(`"${input}" is not an ARN; it is used as aws:PrincipalArn as given.`);
    return { ...base, kind: "other" };
  }
  const where = { partition: arn.partition, ...(arn.account ? { account: arn.account } : {}) };
  if (arn.service === "iam") {
    if (arn.resource === "root") return { ...base, ...where, kind: "root" };
    if (arn.resource.startsWith("user/")) return { ...base, ...where, kind: "iam-user" };
    if (arn.resource.startsWith("role/")) {
      const roleName = arn.resource.slice(arn.resource.lastIndexOf("/") + 1);
      if (arn.resource.startsWith(SLR_PATH)) {
        return { ...base, ...where, kind: "service-linked-role", roleName, isServiceLinkedRole: true };
      }
      return { ...base, ...where, kind: "iam-role", roleName };
    }
  }
  if (arn.service === "sts") {
    if (arn.resource.startsWith("assumed-role/")) {
      const rest = arn.resource.slice("assumed-role/".length);
      const slash = rest.indexOf("/");
      const roleName = slash === -1 ? rest : rest.slice(0, slash);
      const sessionName = slash === -1 ? "" : rest.slice(slash + 1);
      const roleArn = `arn:${arn.partition}:iam::${arn.account}:role/${roleName}`;
      const notes = [
        `Assumed-role session ARN: aws:PrincipalArn is the role ARN ${roleArn}. Session ARNs do not carry ` +
          "the role's path; if the role has one (for example /admin/), pass the role ARN itself as principalArn.",
      ];
      if (roleName.startsWith("AWSServiceRoleFor")) {
        notes.push(
          `Role ${roleName} looks like a service-linked role, but a session ARN does not show the ` +
            "/aws-service-role/ path that proves it; pass the role ARN to apply the service-linked-role exemption.",
        );
      }
      return {
        ...base,
        ...where,
        kind: "assumed-role",
        principalArn: roleArn,
        roleName,
        sessionName,
        notes,
      };
    }
    if (arn.resource.startsWith("federated-user/")) return { ...base, ...where, kind: "federated-user" };
  }
  return { ...base, ...where, kind: "other" };
}
