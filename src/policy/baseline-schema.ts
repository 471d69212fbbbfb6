/**
 * The expected-policy baseline (docs/baseline.md, docs/baseline.schema.json): what the platform team
 * says the organization's SCPs and RCPs should be, and where each must be attached. Extra fields are
 * allowed everywhere (teams keep notes, owners, ticket ids in them).
 */
import { z } from "zod";
import { ACCOUNT_ID, OU_ID, ROOT_ID } from "../model/ids.js";
import type { PolicyType } from "../model/policy-type.js";
import { nestedDeeperThan } from "./json-depth.js";
import { parsePathString } from "./json-locate.js";
import {
  compactJsonLength,
  count,
  documentLimitProblem,
  MAX_BASELINE_POLICIES,
  MAX_BASELINE_TARGETS,
  MAX_DOCUMENT_CHARS,
  MAX_POLICY_TARGETS,
} from "./limits.js";
import { parsePolicy } from "./parse.js";
import { policyKindOf } from "../model/policy-type.js";

/** An id (r-…, ou-…, account), or an OU path by names from the root ("Root/Workloads/Prod"). */
function isTargetSelector(value: string): boolean {
  let v = value.startsWith("!") ? value.slice(1) : value;
  if (v.endsWith("/**")) v = v.slice(0, -3);
  if (value === "") return true; // reported once, by min(1)
  if (v === "") return false;
  if (ROOT_ID.test(v) || OU_ID.test(v) || ACCOUNT_ID.test(v)) return true;
  // Something shaped like an id but malformed is a typo, not the name of a root.
  if (/^(ou-|r-)[^/]*$/.test(v) || /^\d+$/.test(v)) return false;
  return v.split("/").every((segment) => segment.trim() !== "" && segment !== "**");
}

export const baselineTargetSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    isTargetSelector,
    'expected a root, OU or account id (r-ab12, ou-ab12-11111111, 123456789012) or an OU path by names ("Root/Workloads/Prod"), optionally ending in "/**" (and everything below) or starting with "!" (except)',
  )
  .describe(
    'Where the policy must be attached: an id (r-…, ou-…, 12-digit account) or a path of names from the root ("Root/Workloads/Prod", an account name may end it). "…/**" adds every OU and account below; "!…" removes a target added by an earlier entry.',
  );

const policyContentSchema = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .describe("The policy document, as a JSON object or as a JSON string (as Organizations stores it)");

export const baselinePolicySchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .describe("Matched to the organization's policy of the same name and type"),
    type: z
      .enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"])
      .default("SERVICE_CONTROL_POLICY")
      .describe("SERVICE_CONTROL_POLICY (default) or RESOURCE_CONTROL_POLICY"),
    description: z.string().max(512).optional(),
    content: policyContentSchema,
    targets: z
      .array(baselineTargetSchema)
      .max(
        MAX_POLICY_TARGETS,
        `more than ${count(MAX_POLICY_TARGETS)} targets, the limit per policy: name OUs with "/**" rather than every account`,
      )
      .default([]),
  })
  .loose();

export const baselineOptionsSchema = z
  .object({
    reportUnexpectedPolicies: z
      .boolean()
      .default(true)
      .describe("Report customer-managed policies that the baseline does not name (policy_unexpected)"),
    reportUnexpectedAttachments: z
      .boolean()
      .default(true)
      .describe("Report attachments the baseline does not list (attachment_unexpected)"),
  })
  .loose();

export const baselineDocumentSchema = z
  .object({
    formatVersion: z.literal(1).describe("Always 1"),
    policies: z
      .array(baselinePolicySchema)
      .max(
        MAX_BASELINE_POLICIES,
        `more than ${count(MAX_BASELINE_POLICIES)} policies, the limit of a baseline (AWS allows ${count(1_000)} policies of a type)`,
      ),
    options: baselineOptionsSchema.default({
      reportUnexpectedPolicies: true,
      reportUnexpectedAttachments: true,
    }),
  })
  .loose();

type ParsedDocument = z.infer<typeof baselineDocumentSchema>;
type ParsedPolicy = ParsedDocument["policies"][number];

/**
 * The document without its policies' details: they are checked one by one after it, in slices (a
 * baseline at its target limit, checked in one go, holds the event loop too long).
 */
const documentShellSchema = baselineDocumentSchema.extend({
  policies: z
    .array(z.unknown())
    .max(
      MAX_BASELINE_POLICIES,
      `more than ${count(MAX_BASELINE_POLICIES)} policies, the limit of a baseline (AWS allows ${count(1_000)} policies of a type)`,
    ),
});
type DocumentShell = z.infer<typeof documentShellSchema>;

/** What the schema cannot say about one policy: a unique name, the targets in all, its document. */
function policyIssues(
  p: ParsedPolicy,
  i: number,
  seen: Map<string, number>,
  targetsSoFar: number,
): BaselineIssue[] {
  const issues: BaselineIssue[] = [];
  const key = `${p.type}/${p.name}`;
  const earlier = seen.get(key);
  if (earlier !== undefined) {
    issues.push({
      path: `policies.${i}.name`,
      message: `"${p.name}" is also the name of policies.${earlier}; names must be unique per policy type`,
    });
  } else seen.set(key, i);
  if (targetsSoFar + p.targets.length > MAX_BASELINE_TARGETS) {
    issues.push({
      path: `policies.${i}.targets`,
      message: `the baseline names more than ${count(MAX_BASELINE_TARGETS)} targets in all, the limit: name OUs with "/**" rather than every account`,
    });
  }
  let content: unknown = p.content;
  const size = typeof content === "string" ? content.length : compactJsonLength(content, MAX_DOCUMENT_CHARS);
  if (size === undefined || size > MAX_DOCUMENT_CHARS) {
    issues.push({
      path: `policies.${i}.content`,
      message: `the document is more than ${count(MAX_DOCUMENT_CHARS)} characters, the limit (a policy is at most ${count(10_240)} in AWS)`,
    });
    return issues;
  }
  if (typeof content === "string") {
    try {
      content = JSON.parse(content);
    } catch (error) {
      issues.push({
        path: `policies.${i}.content`,
        message: `the content string is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
      return issues;
    }
  }
  if (content === null || typeof content !== "object" || Array.isArray(content)) {
    issues.push({
      path: `policies.${i}.content`,
      message: "the content must be a policy document (a JSON object with Version and Statement)",
    });
    return issues;
  }
  const tooLarge = documentLimitProblem(content);
  if (tooLarge) {
    issues.push({ path: `policies.${i}.content`, message: `${tooLarge}: split the statement or the policy` });
    return issues;
  }
  const parsed = parsePolicy(content, { kind: policyKindOf(p.type) });
  if (!parsed.ok) {
    for (const e of parsed.errors.slice(0, 10)) {
      issues.push({
        path: ["policies", i, "content", ...parsePathString(e.location.path)].map(String).join("."),
        message: e.message,
      });
    }
  }
  return issues;
}

export type BaselineDocument = z.infer<typeof baselineDocumentSchema>;

export interface BaselinePolicy {
  /** Position in the document's policies array. */
  index: number;
  name: string;
  type: PolicyType;
  description?: string;
  /** The document as an object. */
  content: Record<string, unknown>;
  /** The document as text: as given when it was a string, else compact JSON (what a deploy would store). */
  contentText: string;
  targets: string[];
}

export interface Baseline {
  formatVersion: 1;
  policies: BaselinePolicy[];
  options: { reportUnexpectedPolicies: boolean; reportUnexpectedAttachments: boolean };
}

export interface BaselineIssue {
  /** Dotted path into the baseline document, e.g. policies.2.content.Statement.0.Effect. */
  path: string;
  message: string;
}

export class BaselineValidationError extends Error {
  constructor(
    readonly issues: BaselineIssue[],
    origin?: string,
  ) {
    const shown = issues.slice(0, 10).map((i) => `${i.path || "(document)"}: ${i.message}`);
    const more = issues.length > 10 ? ` (and ${issues.length - 10} more)` : "";
    super(`Invalid baseline${origin ? ` in ${origin}` : ""}: ${shown.join("; ")}${more}`);
    this.name = "BaselineValidationError";
  }
}

/** Validates a baseline document; throws BaselineValidationError with every problem and its path. */
export function parseBaseline(raw: unknown, origin?: string): Baseline {
  const doc = parseStructure(raw, origin);
  const check = policyChecker(doc, origin);
  doc.policies.forEach(check.next);
  return check.done();
}

/**
 * parseBaseline in slices: `pause` is awaited between policies (a call's meter, which yields to
 * the event loop); when it answers true the check stops with `stopped` (the call's time budget).
 */
export async function parseBaselineSliced(
  raw: unknown,
  origin: string | undefined,
  pause: () => Promise<boolean>,
  stopped: () => Error,
): Promise<Baseline> {
  const doc = parseStructure(raw, origin);
  const check = policyChecker(doc, origin);
  for (const [i, p] of doc.policies.entries()) {
    if (await pause()) throw stopped();
    check.next(p, i);
  }
  return check.done();
}

// A baseline nests about ten levels (policies, content, Statement, Condition, operator, key, values).
const MAX_BASELINE_DEPTH = 64;

/** The document's shape; the policies are checked after, one by one (policyChecker). */
function parseStructure(raw: unknown, origin: string | undefined): DocumentShell {
  if (nestedDeeperThan(raw, MAX_BASELINE_DEPTH)) {
    throw new BaselineValidationError(
      [
        {
          path: "",
          message: `nested more than ${MAX_BASELINE_DEPTH} levels deep; a baseline has about ten (policies, content, Statement, Condition, operator, key, values)`,
        },
      ],
      origin,
    );
  }
  const parsed = documentShellSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BaselineValidationError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      })),
      origin,
    );
  }
  return parsed.data;
}

function policyChecker(
  doc: DocumentShell,
  origin: string | undefined,
): { next: (raw: unknown, i: number) => void; done: () => Baseline } {
  const seen = new Map<string, number>();
  const issues: BaselineIssue[] = [];
  const policies: BaselinePolicy[] = [];
  let targets = 0;
  return {
    next: (raw, index) => {
      const parsed = baselinePolicySchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          issues.push({
            path: ["policies", index, ...issue.path].map(String).join("."),
            message: issue.message,
          });
        return;
      }
      const p = parsed.data;
      const found = policyIssues(p, index, seen, targets);
      targets += p.targets.length;
      issues.push(...found);
      if (found.length > 0) return;
      const content = (typeof p.content === "string" ? JSON.parse(p.content) : p.content) as Record<
        string,
        unknown
      >;
      policies.push({
        index,
        name: p.name,
        type: p.type,
        ...(p.description !== undefined ? { description: p.description } : {}),
        content,
        contentText: typeof p.content === "string" ? p.content : JSON.stringify(p.content),
        targets: p.targets,
      });
    },
    done: () => {
      if (issues.length > 0) throw new BaselineValidationError(issues, origin);
      return {
        formatVersion: 1,
        options: {
          reportUnexpectedPolicies: doc.options.reportUnexpectedPolicies,
          reportUnexpectedAttachments: doc.options.reportUnexpectedAttachments,
        },
        policies,
      };
    },
  };
}

/** Parses a baseline from JSON text; a syntax error is reported with its line and column. */
export function parseBaselineText(text: string, origin?: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BaselineValidationError(
      [{ path: "", message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` }],
      origin,
    );
  }
  return parseBaseline(raw, origin);
}
