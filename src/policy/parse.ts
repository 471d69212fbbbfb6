/**
 * Parsing and normalisation of SCP and RCP documents into a model that the evaluator, a linter and
 * a semantic diff can share: every element keeps its original values and its location.
 */
import { compileCondition, type CompileProblem, type ParsedCondition } from "./conditions.js";
import {
  compileActionPattern,
  compileResourcePattern,
  parseVariables,
  type ActionPattern,
  type CompiledPattern,
  type VariableSyntaxProblem,
} from "./match.js";
import { parseConditionOperator, type ConditionOperator } from "./operators.js";
import type { PolicyKind } from "../model/policy-type.js";

export type { ParsedCondition } from "./conditions.js";

export type PolicyIssueCode =
  | "invalid_json"
  | "not_an_object"
  | "unknown_element"
  | "invalid_version"
  | "missing_version"
  | "missing_statement"
  | "invalid_statement"
  | "empty_statement"
  | "invalid_sid"
  | "duplicate_sid"
  | "missing_effect"
  | "invalid_effect"
  | "missing_action"
  | "action_and_notaction"
  | "invalid_action"
  | "notaction_not_allowed"
  | "missing_resource"
  | "resource_and_notresource"
  | "invalid_resource"
  | "principal_not_allowed"
  | "notprincipal_not_allowed"
  | "missing_principal"
  | "invalid_principal"
  | "rcp_allow_not_supported"
  | "invalid_condition"
  | "unknown_operator"
  | "operator_spelling"
  | "empty_condition"
  | "invalid_condition_value"
  | "invalid_variable"
  | "variables_read_literally";

export interface IssueLocation {
  statementIndex?: number;
  sid?: string;
  /** The statement element: Effect, Action, Condition... */
  element?: string;
  /** A path into the document, e.g. Statement[1].Condition["StringEquals"]["aws:RequestedRegion"]. */
  path: string;
  /** For JSON syntax errors: 1-based line and column. */
  line?: number;
  column?: number;
}

export interface PolicyIssue {
  severity: "error" | "warning";
  code: PolicyIssueCode;
  message: string;
  location: IssueLocation;
}

export interface ParsedActionElement {
  element: "Action" | "NotAction";
  /** Original strings, in order. */
  values: string[];
  patterns: ActionPattern[];
  wasArray: boolean;
}

export interface ParsedResourceElement {
  element: "Resource" | "NotResource";
  values: string[];
  patterns: CompiledPattern[];
  wasArray: boolean;
  /** True when the statement had no Resource element and is read as Resource "*". */
  implicit: boolean;
}

export interface ParsedPrincipal {
  /** The Principal value as written ("*" or {"AWS": "*"}). */
  raw: unknown;
}

export interface ParsedStatement {
  /** Position in the Statement array (0 when Statement is a single object). */
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
  action: ParsedActionElement;
  resource: ParsedResourceElement;
  principal?: ParsedPrincipal;
  conditions: ParsedCondition[];
  /** Path of the statement in the document: "Statement[2]", or "Statement" for a single object. */
  path: string;
  raw: Readonly<Record<string, unknown>>;
}

export interface ParsedPolicy {
  kind: PolicyKind;
  version?: string;
  /** The document's optional Id element. */
  documentId?: string;
  /** Policy variables are only read with Version 2012-10-17; otherwise `${...}` is literal text. */
  variablesEnabled: boolean;
  statementWasArray: boolean;
  statements: ParsedStatement[];
  /** Non-fatal findings (errors make parsing fail instead). */
  warnings: PolicyIssue[];
  raw: Readonly<Record<string, unknown>>;
}

export type ParseResult =
  | { ok: true; policy: ParsedPolicy; issues: PolicyIssue[] }
  | { ok: false; errors: PolicyIssue[]; issues: PolicyIssue[] };

export interface ParseOptions {
  kind: PolicyKind;
  /** Used only to phrase messages. */
  policyId?: string;
  policyName?: string;
}

export class PolicyParseError extends Error {
  readonly errors: PolicyIssue[];
  readonly policyId: string | undefined;
  readonly policyName: string | undefined;

  constructor(errors: PolicyIssue[], options: { policyId?: string; policyName?: string } = {}) {
    const who = options.policyId
      ? `policy ${options.policyId}${options.policyName ? ` (${options.policyName})` : ""}`
      : "policy";
    const first = errors.slice(0, 3).map((e) => e.message);
    const more = errors.length > 3 ? `; and ${errors.length - 3} more` : "";
    super(`${who} is not a valid document: ${first.join("; ")}${more}`);
    this.name = "PolicyParseError";
    this.errors = errors;
    this.policyId = options.policyId;
    this.policyName = options.policyName;
  }
}

const TOP_LEVEL = new Set(["Version", "Id", "Statement"]);
const STATEMENT_ELEMENTS = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);
const ACTION_FORMAT = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$/;
const SID_FORMAT = /^[A-Za-z0-9]*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function suggestElement(name: string, known: ReadonlySet<string>): string {
  const lower = name.toLowerCase();
  const hit = [...known].find((k) => k.toLowerCase() === lower || `${k.toLowerCase()}s` === lower);
  return hit ? ` (did you mean "${hit}"?)` : "";
}

/** Line and column of a JSON.parse error, from the position Node reports. */
function jsonErrorLocation(text: string, error: unknown): { line?: number; column?: number } {
  const message = error instanceof Error ? error.message : "";
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const pos = /position (\d+)/.exec(message);
  if (!pos) return {};
  const offset = Number(pos[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { line, column };
}

class IssueCollector {
  readonly issues: PolicyIssue[] = [];

  add(severity: PolicyIssue["severity"], code: PolicyIssueCode, where: IssueLocation, message: string): void {
    const prefix =
      where.statementIndex !== undefined
        ? `statement ${where.statementIndex}${where.sid ? ` (Sid "${where.sid}")` : ""}${
            where.element ? `, ${where.element}` : ""
          }: `
        : where.element
          ? `${where.element}: `
          : "";
    this.issues.push({ severity, code, message: prefix + message, location: where });
  }

  error(code: PolicyIssueCode, where: IssueLocation, message: string): void {
    this.add("error", code, where, message);
  }

  warn(code: PolicyIssueCode, where: IssueLocation, message: string): void {
    this.add("warning", code, where, message);
  }

  get hasErrors(): boolean {
    return this.issues.some((i) => i.severity === "error");
  }
}

function quoteKey(key: string): string {
  return `[${JSON.stringify(key)}]`;
}

/** Parses a policy document (JSON text or an already-parsed object). Collects every error it finds. */
export function parsePolicy(input: string | object, options: ParseOptions): ParseResult {
  const issues = new IssueCollector();
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input) as unknown;
    } catch (error) {
      const loc = jsonErrorLocation(input, error);
      issues.error(
        "invalid_json",
        { path: "$", ...loc },
        `not valid JSON${loc.line ? ` (line ${loc.line}, column ${loc.column})` : ""}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return fail(issues);
    }
  }
  if (!isRecord(doc)) {
    issues.error(
      "not_an_object",
      { path: "$" },
      "a policy document is a JSON object with Version and Statement",
    );
    return fail(issues);
  }

  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key)) {
      issues.error(
        "unknown_element",
        { path: key, element: key },
        `unknown top-level element "${key}"${suggestElement(key, TOP_LEVEL)}; expected Version, Id, Statement`,
      );
    }
  }

  const version = doc.Version;
  let versionText: string | undefined;
  if (version === undefined) {
    if (options.kind === "RCP") {
      issues.error(
        "missing_version",
        { path: "Version", element: "Version" },
        'an RCP must have "Version": "2012-10-17"',
      );
    } else {
      issues.warn(
        "missing_version",
        { path: "Version", element: "Version" },
        'no Version: the 2008-10-17 language is assumed, in which policy variables are literal text; add "Version": "2012-10-17"',
      );
    }
  } else if (typeof version !== "string" || !VERSIONS.has(version)) {
    issues.error(
      "invalid_version",
      { path: "Version", element: "Version" },
      `Version must be "2012-10-17" (or the older "2008-10-17"), not ${JSON.stringify(version)}`,
    );
  } else {
    versionText = version;
    if (options.kind === "RCP" && version !== "2012-10-17") {
      issues.error(
        "invalid_version",
        { path: "Version", element: "Version" },
        'an RCP must use "Version": "2012-10-17"',
      );
    }
  }
  const variablesEnabled = versionText === "2012-10-17";

  const documentId = doc.Id;
  if (documentId !== undefined && typeof documentId !== "string") {
    issues.error("unknown_element", { path: "Id", element: "Id" }, "Id must be a string");
  }

  const rawStatements = doc.Statement;
  const statementWasArray = Array.isArray(rawStatements);
  const statementList: unknown[] =
    rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (rawStatements === undefined) {
    issues.error(
      "missing_statement",
      { path: "Statement", element: "Statement" },
      "the document has no Statement",
    );
  } else if (statementList.length === 0) {
    issues.warn(
      "empty_statement",
      { path: "Statement", element: "Statement" },
      "Statement is empty: the policy does nothing",
    );
  }

  const statements: ParsedStatement[] = [];
  const sids = new Map<string, number>();
  statementList.forEach((raw, index) => {
    const path = statementWasArray ? `Statement[${index}]` : "Statement";
    const parsed = parseStatement(raw, index, path, options.kind, variablesEnabled, issues);
    if (parsed?.sid) {
      const earlier = sids.get(parsed.sid);
      if (earlier !== undefined) {
        issues.warn(
          "duplicate_sid",
          { statementIndex: index, sid: parsed.sid, element: "Sid", path: `${path}.Sid` },
          `Sid "${parsed.sid}" is also used by statement ${earlier}; Sids should be unique within a policy`,
        );
      } else sids.set(parsed.sid, index);
    }
    if (parsed) statements.push(parsed);
  });

  if (issues.hasErrors) return fail(issues);
  const policy: ParsedPolicy = {
    kind: options.kind,
    ...(versionText ? { version: versionText } : {}),
    ...(typeof documentId === "string" ? { documentId } : {}),
    variablesEnabled,
    statementWasArray,
    statements,
    warnings: issues.issues.filter((i) => i.severity === "warning"),
    raw: doc,
  };
  return { ok: true, policy, issues: issues.issues };
}

function fail(issues: IssueCollector): ParseResult {
  return { ok: false, errors: issues.issues.filter((i) => i.severity === "error"), issues: issues.issues };
}

/** Locates an issue in one statement: `at("Condition", '["Bool"]')`. */
type Locator = (element: string, sub?: string) => IssueLocation;

function parseStatement(
  raw: unknown,
  index: number,
  path: string,
  kind: PolicyKind,
  variablesEnabled: boolean,
  issues: IssueCollector,
): ParsedStatement | undefined {
  if (!isRecord(raw)) {
    issues.error("invalid_statement", { statementIndex: index, path }, "a statement must be a JSON object");
    return undefined;
  }
  const sid = typeof raw.Sid === "string" ? raw.Sid : undefined;
  const at: Locator = (element, sub = "") => ({
    statementIndex: index,
    ...(sid !== undefined ? { sid } : {}),
    element,
    path: `${path}.${element}${sub}`,
  });
  const errorsBefore = errorCount(issues);

  checkElementNames(raw, at, issues);
  checkSid(raw, at, issues);
  const effect = parseEffect(raw, at, issues);
  const principal = parsePrincipal(raw, kind, at, issues);
  const action = parseAction(raw, kind, at, issues);
  const resource = parseResource(raw, variablesEnabled, at, issues);
  const conditions = parseConditionBlock(raw, path, variablesEnabled, at, issues);
  checkRcpAllow(raw, kind, effect, at, issues);

  if (errorCount(issues) > errorsBefore || !effect || !action || !resource) return undefined;
  return {
    index,
    ...(sid !== undefined ? { sid } : {}),
    effect,
    action,
    resource,
    ...(principal ? { principal } : {}),
    conditions,
    path,
    raw,
  };
}

function errorCount(issues: IssueCollector): number {
  return issues.issues.filter((i) => i.severity === "error").length;
}

function checkElementNames(raw: Record<string, unknown>, at: Locator, issues: IssueCollector): void {
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_ELEMENTS.has(key)) {
      issues.error(
        "unknown_element",
        at(key),
        `unknown element "${key}"${suggestElement(key, STATEMENT_ELEMENTS)}`,
      );
    }
  }
}

function checkSid(raw: Record<string, unknown>, at: Locator, issues: IssueCollector): void {
  if (raw.Sid === undefined) return;
  if (typeof raw.Sid !== "string") issues.error("invalid_sid", at("Sid"), "Sid must be a string");
  else if (!SID_FORMAT.test(raw.Sid)) {
    issues.warn("invalid_sid", at("Sid"), `Sid "${raw.Sid}" should contain only letters and digits`);
  }
}

function parseEffect(
  raw: Record<string, unknown>,
  at: Locator,
  issues: IssueCollector,
): "Allow" | "Deny" | undefined {
  if (raw.Effect === undefined) {
    issues.error("missing_effect", at("Effect"), 'Effect is required ("Allow" or "Deny")');
    return undefined;
  }
  if (raw.Effect !== "Allow" && raw.Effect !== "Deny") {
    issues.error(
      "invalid_effect",
      at("Effect"),
      `Effect must be "Allow" or "Deny", not ${JSON.stringify(raw.Effect)}`,
    );
    return undefined;
  }
  return raw.Effect;
}

/** Principal elements a policy type does not support, and what to write instead. */
const UNSUPPORTED_PRINCIPAL_ELEMENTS: Readonly<
  Record<PolicyKind, readonly { element: string; code: PolicyIssueCode; message: string }[]>
> = {
  SCP: [
    {
      element: "Principal",
      code: "principal_not_allowed",
      message:
        "Principal is not supported in an SCP: an SCP applies to the IAM principals of the accounts it is attached to. " +
        "To exempt or target principals, use a Condition on aws:PrincipalArn",
    },
    {
      element: "NotPrincipal",
      code: "notprincipal_not_allowed",
      message:
        "NotPrincipal is not supported in an SCP; use a Condition on aws:PrincipalArn (ArnNotLike) instead",
    },
  ],
  RCP: [
    {
      element: "NotPrincipal",
      code: "notprincipal_not_allowed",
      message:
        'NotPrincipal is not supported in an RCP; use "Principal": "*" with a Condition on aws:PrincipalArn',
    },
  ],
};

function parsePrincipal(
  raw: Record<string, unknown>,
  kind: PolicyKind,
  at: Locator,
  issues: IssueCollector,
): ParsedPrincipal | undefined {
  for (const rule of UNSUPPORTED_PRINCIPAL_ELEMENTS[kind]) {
    if (raw[rule.element] !== undefined) issues.error(rule.code, at(rule.element), rule.message);
  }
  if (kind === "SCP") return undefined;
  // An RCP statement applies to every principal and narrows them with conditions.
  if (raw.Principal === undefined) {
    issues.error("missing_principal", at("Principal"), 'an RCP statement needs "Principal": "*"');
    return undefined;
  }
  if (!isWildcardPrincipal(raw.Principal)) {
    issues.error(
      "invalid_principal",
      at("Principal"),
      `an RCP Principal must be "*" (or {"AWS": "*"}), not ${JSON.stringify(raw.Principal)}; ` +
        "narrow the principals with conditions such as aws:PrincipalOrgID or aws:PrincipalArn",
    );
    return undefined;
  }
  return { raw: raw.Principal };
}

/**
 * Which of a pair of exclusive elements (Action/NotAction, Resource/NotResource) the statement
 * uses: "both" and "neither" are for the caller to report.
 */
function pickElement<E extends string, N extends string>(
  raw: Record<string, unknown>,
  element: E,
  notElement: N,
): E | N | "both" | "neither" {
  const has = raw[element] !== undefined;
  const hasNot = raw[notElement] !== undefined;
  if (has && hasNot) return "both";
  if (!has && !hasNot) return "neither";
  return has ? element : notElement;
}

function parseAction(
  raw: Record<string, unknown>,
  kind: PolicyKind,
  at: Locator,
  issues: IssueCollector,
): ParsedActionElement | undefined {
  const element = pickElement(raw, "Action", "NotAction");
  if (element === "both") {
    issues.error(
      "action_and_notaction",
      at("Action"),
      "a statement has either Action or NotAction, not both",
    );
    return undefined;
  }
  if (element === "neither") {
    issues.error("missing_action", at("Action"), "a statement needs Action or NotAction");
    return undefined;
  }
  if (element === "NotAction" && kind === "RCP") {
    issues.error(
      "notaction_not_allowed",
      at("NotAction"),
      "NotAction is not supported in an RCP; list the actions in Action",
    );
  }
  const values = stringList(raw[element], at(element), issues);
  if (!values) return undefined;
  const wasArray = Array.isArray(raw[element]);
  values.forEach((v, i) => {
    if (v !== "*" && !ACTION_FORMAT.test(v)) {
      issues.error(
        "invalid_action",
        at(element, wasArray ? `[${i}]` : ""),
        `"${v}" is not an action: expected "service:ActionName" (wildcards * and ? allowed) or "*"`,
      );
    }
  });
  return { element, values, patterns: values.map((v) => compileActionPattern(v)), wasArray };
}

function parseResource(
  raw: Record<string, unknown>,
  variablesEnabled: boolean,
  at: Locator,
  issues: IssueCollector,
): ParsedResourceElement | undefined {
  const element = pickElement(raw, "Resource", "NotResource");
  if (element === "both") {
    issues.error(
      "resource_and_notresource",
      at("Resource"),
      "a statement has either Resource or NotResource, not both",
    );
    return undefined;
  }
  if (element === "neither") {
    issues.warn(
      "missing_resource",
      at("Resource"),
      'no Resource or NotResource: read as "Resource": "*"; write it explicitly',
    );
    return {
      element: "Resource",
      values: ["*"],
      patterns: [compileResourcePattern("*", false)],
      wasArray: false,
      implicit: true,
    };
  }
  const values = stringList(raw[element], at(element), issues);
  if (!values) return undefined;
  const wasArray = Array.isArray(raw[element]);
  values.forEach((v, i) => {
    const where = at(element, wasArray ? `[${i}]` : "");
    if (v !== "*" && !v.startsWith("arn:")) {
      issues.error(
        "invalid_resource",
        where,
        `"${v}" is not a resource: expected an ARN (wildcards allowed) or "*"`,
      );
    }
    checkVariables(v, variablesEnabled, where, issues);
  });
  return {
    element,
    values,
    patterns: values.map((v) => compileResourcePattern(v, variablesEnabled)),
    wasArray,
    implicit: false,
  };
}

/** The Condition element: operator → { key → value(s) }, each key compiled into one condition. */
function parseConditionBlock(
  raw: Record<string, unknown>,
  path: string,
  variablesEnabled: boolean,
  at: Locator,
  issues: IssueCollector,
): ParsedCondition[] {
  const conditions: ParsedCondition[] = [];
  if (raw.Condition === undefined) return conditions;
  if (!isRecord(raw.Condition)) {
    issues.error(
      "invalid_condition",
      at("Condition"),
      "Condition must be an object of operator → { key → value(s) }",
    );
    return conditions;
  }
  const entries = Object.entries(raw.Condition);
  if (entries.length === 0) issues.warn("empty_condition", at("Condition"), "Condition is empty");
  for (const [opName, block] of entries) {
    const opPath = quoteKey(opName);
    const parsedOp = parseConditionOperator(opName);
    if (!parsedOp.ok) {
      issues.error("unknown_operator", at("Condition", opPath), parsedOp.message);
      continue;
    }
    if (parsedOp.caseWarning) issues.warn("operator_spelling", at("Condition", opPath), parsedOp.caseWarning);
    if (!isRecord(block)) {
      issues.error(
        "invalid_condition",
        at("Condition", opPath),
        `the value of ${opName} must be an object of condition key → value(s)`,
      );
      continue;
    }
    const keys = Object.entries(block);
    if (keys.length === 0) issues.warn("empty_condition", at("Condition", opPath), `${opName} has no keys`);
    for (const [key, value] of keys) {
      const keyPath = `${opPath}${quoteKey(key)}`;
      const parsed = parseConditionEntry(parsedOp.operator, opName, key, value, variablesEnabled, {
        where: at("Condition", keyPath),
        path: `${path}.Condition${keyPath}`,
        issues,
      });
      if (parsed) conditions.push(parsed);
    }
  }
  return conditions;
}

function parseConditionEntry(
  operator: ConditionOperator,
  opName: string,
  key: string,
  value: unknown,
  variablesEnabled: boolean,
  loc: { where: IssueLocation; path: string; issues: IssueCollector },
): ParsedCondition | undefined {
  const { where, issues } = loc;
  const values = conditionValues(value, where, issues);
  if (!values) return undefined;
  const problems: CompileProblem[] = [];
  const condition = compileCondition(
    operator,
    key,
    { raw: value, values, path: loc.path },
    variablesEnabled,
    problems,
  );
  for (const p of problems) issues.warn("invalid_condition_value", where, `${opName} ${key}: ${p.message}`);
  if (operator.base.variables) for (const v of values) checkVariables(v, variablesEnabled, where, issues);
  return condition;
}

/** RCPs support Allow only in the AWS-managed RCPFullAWSAccess statement. */
function checkRcpAllow(
  raw: Record<string, unknown>,
  kind: PolicyKind,
  effect: "Allow" | "Deny" | undefined,
  at: Locator,
  issues: IssueCollector,
): void {
  if (kind === "RCP" && effect === "Allow" && !isFullAccessStatement(raw)) {
    issues.error(
      "rcp_allow_not_supported",
      at("Effect"),
      'RCPs support "Effect": "Allow" only in the AWS-managed RCPFullAWSAccess policy ' +
        '(Principal "*", Action "*", Resource "*", no Condition); write Deny statements',
    );
  }
}

function isWildcardPrincipal(p: unknown): boolean {
  if (p === "*") return true;
  if (!isRecord(p)) return false;
  const keys = Object.keys(p);
  return (
    keys.length === 1 &&
    keys[0] === "AWS" &&
    (p.AWS === "*" || (Array.isArray(p.AWS) && p.AWS.length === 1 && p.AWS[0] === "*"))
  );
}

function isFullAccessStatement(raw: Record<string, unknown>): boolean {
  const one = (v: unknown) => v === "*" || (Array.isArray(v) && v.length === 1 && v[0] === "*");
  return (
    raw.Effect === "Allow" &&
    isWildcardPrincipal(raw.Principal) &&
    one(raw.Action) &&
    one(raw.Resource) &&
    raw.Condition === undefined
  );
}

function stringList(value: unknown, where: IssueLocation, issues: IssueCollector): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (Array.isArray(value) && value.length === 0) {
    issues.error("invalid_statement", where, `${where.element ?? "the element"} is an empty list`);
    return undefined;
  }
  const bad = list.findIndex((v) => typeof v !== "string");
  if (bad !== -1) {
    issues.error(
      "invalid_statement",
      where,
      `expected a string or a list of strings, found ${JSON.stringify(list[bad])}`,
    );
    return undefined;
  }
  return list as string[];
}

function conditionValues(value: unknown, where: IssueLocation, issues: IssueCollector): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (Array.isArray(value) && value.length === 0) {
    issues.error("invalid_condition_value", where, "an empty list of values can never match");
    return undefined;
  }
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === "string") out.push(v);
    else if (typeof v === "number" || typeof v === "boolean") out.push(String(v));
    else {
      issues.error(
        "invalid_condition_value",
        where,
        `condition values are strings, numbers or booleans, found ${JSON.stringify(v)}`,
      );
      return undefined;
    }
  }
  return out;
}

function checkVariables(value: string, enabled: boolean, where: IssueLocation, issues: IssueCollector): void {
  if (!value.includes("${")) return;
  if (!enabled) {
    issues.warn(
      "variables_read_literally",
      where,
      `"${value}" looks like it uses a policy variable, but without "Version": "2012-10-17" it is literal text`,
    );
    return;
  }
  const problems: VariableSyntaxProblem[] = [];
  parseVariables(value, problems);
  for (const p of problems) issues.warn("invalid_variable", where, p.message);
}

/** Parses or throws PolicyParseError with every error found. */
export function parsePolicyOrThrow(input: string | object, options: ParseOptions): ParsedPolicy {
  const result = parsePolicy(input, options);
  if (!result.ok) {
    throw new PolicyParseError(result.errors, {
      ...(options.policyId ? { policyId: options.policyId } : {}),
      ...(options.policyName ? { policyName: options.policyName } : {}),
    });
  }
  return result.policy;
}

// ---------------------------------------------------------------------------------------------
// Cache: policies are parsed once per content; the evaluator calls this for every chain policy.

const MAX_CACHE = 2000;
// Keyed by the content string itself (not a concatenation), so V8 reuses the string's cached hash.
const caches: Record<PolicyKind, Map<string, ParseResult>> = { SCP: new Map(), RCP: new Map() };

export function parsePolicyCached(content: string, kind: PolicyKind): ParseResult {
  const cache = caches[kind];
  let hit = cache.get(content);
  if (!hit) {
    if (cache.size >= MAX_CACHE) cache.clear();
    hit = parsePolicy(content, { kind });
    cache.set(content, hit);
  }
  return hit;
}
