/** The condition operators of the IAM policy language, with their `...IfExists` and set-operator forms. */

export type ConditionFamily =
  "String" | "Numeric" | "Date" | "Bool" | "Binary" | "IpAddress" | "Arn" | "Null";
export type Comparison = "eq" | "lt" | "lte" | "gt" | "gte";
export type SetQualifier = "ForAllValues" | "ForAnyValue";

export interface BaseOperator {
  name: string;
  family: ConditionFamily;
  /** Negated operators (StringNotEquals, NotIpAddress, ArnNotLike...) are NOT of the OR over values. */
  negated: boolean;
  comparison: Comparison;
  ignoreCase: boolean;
  /** `*` and `?` are wildcards in the policy values. */
  wildcards: boolean;
  /** Policy variables are substituted in the policy values. */
  variables: boolean;
}

export interface ConditionOperator {
  /** As written in the policy. */
  written: string;
  /** Canonical spelling, e.g. "ForAnyValue:StringNotEqualsIfExists". */
  canonical: string;
  base: BaseOperator;
  ifExists: boolean;
  qualifier?: SetQualifier;
}

function op(
  name: string,
  family: ConditionFamily,
  extra: Partial<Omit<BaseOperator, "name" | "family">> = {},
): BaseOperator {
  return {
    name,
    family,
    negated: extra.negated ?? false,
    comparison: extra.comparison ?? "eq",
    ignoreCase: extra.ignoreCase ?? false,
    wildcards: extra.wildcards ?? false,
    variables: extra.variables ?? false,
  };
}

const str = { variables: true };
export const BASE_OPERATORS: readonly BaseOperator[] = [
  op("StringEquals", "String", str),
  op("StringNotEquals", "String", { ...str, negated: true }),
  op("StringEqualsIgnoreCase", "String", { ...str, ignoreCase: true }),
  op("StringNotEqualsIgnoreCase", "String", { ...str, ignoreCase: true, negated: true }),
  op("StringLike", "String", { ...str, wildcards: true }),
  op("StringNotLike", "String", { ...str, wildcards: true, negated: true }),
  op("NumericEquals", "Numeric"),
  op("NumericNotEquals", "Numeric", { negated: true }),
  op("NumericLessThan", "Numeric", { comparison: "lt" }),
  op("NumericLessThanEquals", "Numeric", { comparison: "lte" }),
  op("NumericGreaterThan", "Numeric", { comparison: "gt" }),
  op("NumericGreaterThanEquals", "Numeric", { comparison: "gte" }),
  op("DateEquals", "Date"),
  op("DateNotEquals", "Date", { negated: true }),
  op("DateLessThan", "Date", { comparison: "lt" }),
  op("DateLessThanEquals", "Date", { comparison: "lte" }),
  op("DateGreaterThan", "Date", { comparison: "gt" }),
  op("DateGreaterThanEquals", "Date", { comparison: "gte" }),
  op("Bool", "Bool", { variables: true }),
  op("BinaryEquals", "Binary"),
  op("IpAddress", "IpAddress"),
  op("NotIpAddress", "IpAddress", { negated: true }),
  // ArnEquals and ArnLike behave the same: both compare segment by segment with wildcards.
  op("ArnEquals", "Arn", { wildcards: true, variables: true }),
  op("ArnLike", "Arn", { wildcards: true, variables: true }),
  op("ArnNotEquals", "Arn", { wildcards: true, variables: true, negated: true }),
  op("ArnNotLike", "Arn", { wildcards: true, variables: true, negated: true }),
  op("Null", "Null"),
];

const BY_LOWER_NAME = new Map(BASE_OPERATORS.map((b) => [b.name.toLowerCase(), b]));
const QUALIFIERS: readonly SetQualifier[] = ["ForAllValues", "ForAnyValue"];

export type OperatorParse =
  { ok: true; operator: ConditionOperator; caseWarning?: string } | { ok: false; message: string };

const cache = new Map<string, OperatorParse>();

export function parseConditionOperator(written: string): OperatorParse {
  const hit = cache.get(written);
  if (hit) return hit;
  const parsed = parseUncached(written);
  cache.set(written, parsed);
  return parsed;
}

function parseUncached(written: string): OperatorParse {
  let rest = written;
  let qualifier: SetQualifier | undefined;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    const prefix = rest.slice(0, colon);
    qualifier = QUALIFIERS.find((q) => q.toLowerCase() === prefix.toLowerCase());
    if (!qualifier) {
      return {
        ok: false,
        message: `unknown set operator "${prefix}" in "${written}" (expected ForAllValues: or ForAnyValue:)`,
      };
    }
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let base = BY_LOWER_NAME.get(rest.toLowerCase());
  if (!base && rest.toLowerCase().endsWith("ifexists")) {
    base = BY_LOWER_NAME.get(rest.slice(0, -"IfExists".length).toLowerCase());
    ifExists = base !== undefined;
  }
  if (!base) return { ok: false, message: `unknown condition operator "${written}"` };
  if (base.family === "Null" && ifExists) {
    return { ok: false, message: `"${written}": Null has no IfExists form (it already tests for presence)` };
  }
  if (base.family === "Null" && qualifier) {
    return { ok: false, message: `"${written}": Null cannot take a set operator` };
  }
  const canonical = `${qualifier ? `${qualifier}:` : ""}${base.name}${ifExists ? "IfExists" : ""}`;
  const operator: ConditionOperator = {
    written,
    canonical,
    base,
    ifExists,
    ...(qualifier ? { qualifier } : {}),
  };
  return canonical === written
    ? { ok: true, operator }
    : {
        ok: true,
        operator,
        caseWarning: `condition operator "${written}" is usually written "${canonical}"`,
      };
}
