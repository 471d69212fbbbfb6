/**
 * The organization-policy changes of a Terraform plan, read from `terraform show -json` output (the
 * JSON output format, format_version 1.x: resource_changes with change.actions, before, after and
 * after_unknown; configuration with each resource's expression references). Only SCPs and RCPs are
 * read: aws_organizations_policy (type SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY) and
 * aws_organizations_policy_attachment.
 */
import type { PolicyType } from "../model/policy-type.js";

export interface PlanPolicySide {
  id: string | null;
  name: string;
  type: PolicyType;
  content: string | null;
}

export interface PlanPolicyChange {
  address: string;
  /** Position in resource_changes (for locations in the plan file). */
  index: number;
  actions: string[];
  before: PlanPolicySide | null;
  after: PlanPolicySide | null;
}

export interface PlanAttachmentSide {
  /** Null when the id is only known after apply (a policy the plan creates). */
  policyId: string | null;
  /** The plan's policy resource the attachment refers to, when the id is not known yet. */
  policyAddress: string | null;
  targetId: string;
}

export interface PlanAttachmentChange {
  address: string;
  index: number;
  actions: string[];
  before: PlanAttachmentSide | null;
  after: PlanAttachmentSide | null;
}

export interface PlanChanges {
  terraformVersion: string | null;
  policies: PlanPolicyChange[];
  attachments: PlanAttachmentChange[];
  /** Policies of the prior state (their documents, for attachments of policies the plan does not change). */
  priorPolicies: Map<string, PlanPolicySide>;
  notes: string[];
}

export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const AUTHORIZATION_TYPES = new Set(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]);

/** "module.a.aws_x.y[0]" -> "module.a.aws_x.y": the configuration address of an instance. */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, "");
}

/** Every resource's policy_id references in the configuration, by configuration address. */
function policyReferences(configuration: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (module: unknown, prefix: string, depth: number): void => {
    if (!isObject(module) || depth > 10) return;
    for (const r of Array.isArray(module["resources"]) ? module["resources"] : []) {
      if (!isObject(r)) continue;
      const address = str(r["address"]);
      const expressions = isObject(r["expressions"]) ? r["expressions"] : {};
      const policyId = isObject(expressions["policy_id"]) ? expressions["policy_id"] : {};
      const refs = Array.isArray(policyId["references"])
        ? policyId["references"].filter((x) => typeof x === "string")
        : [];
      if (address && refs.length)
        out.set(
          prefix + address,
          refs.map((ref) => prefix + ref),
        );
    }
    const calls = isObject(module["module_calls"]) ? module["module_calls"] : {};
    for (const [name, call] of Object.entries(calls)) {
      if (isObject(call)) walk(call["module"], `${prefix}module.${name}.`, depth + 1);
    }
  };
  if (isObject(configuration)) walk(configuration["root_module"], "", 0);
  return out;
}

function policySide(values: unknown, unknown: unknown): PlanPolicySide | null {
  if (!isObject(values)) return null;
  const type = str(values["type"]) ?? "SERVICE_CONTROL_POLICY";
  const contentUnknown = isObject(unknown) && unknown["content"] === true;
  return {
    id: str(values["id"]),
    name: str(values["name"]) ?? "(unnamed)",
    type: type as PolicyType,
    content: contentUnknown ? null : str(values["content"]),
  };
}

function priorPolicies(plan: Json): Map<string, PlanPolicySide> {
  const out = new Map<string, PlanPolicySide>();
  const walk = (module: unknown, depth: number): void => {
    if (!isObject(module) || depth > 10) return;
    for (const r of Array.isArray(module["resources"]) ? module["resources"] : []) {
      if (!isObject(r) || r["type"] !== "aws_organizations_policy") continue;
      const side = policySide(r["values"], undefined);
      if (side?.id && AUTHORIZATION_TYPES.has(side.type)) out.set(side.id, side);
    }
    for (const child of Array.isArray(module["child_modules"]) ? module["child_modules"] : [])
      walk(child, depth + 1);
  };
  const prior = isObject(plan["prior_state"]) ? plan["prior_state"] : {};
  const values = isObject(prior["values"]) ? prior["values"] : {};
  walk(values["root_module"], 0);
  return out;
}

/** Reads the plan; throws PlanFormatError when the document is not `terraform show -json` output of a plan. */
export function parsePlan(raw: unknown): PlanChanges {
  if (!isObject(raw))
    throw new PlanFormatError(
      "the file is not a JSON object: give the output of `terraform show -json plan.out`.",
    );
  const version = str(raw["format_version"]);
  if (!version) {
    throw new PlanFormatError(
      "the document has no format_version: it is not `terraform show -json` output (run `terraform plan -out plan.out && terraform show -json plan.out > plan.json`).",
    );
  }
  if (!/^[01]\./.test(version))
    throw new PlanFormatError(`format_version ${version} is not supported (this reader knows 0.x and 1.x).`);
  if (!Array.isArray(raw["resource_changes"])) {
    throw new PlanFormatError(
      isObject(raw["values"])
        ? "this is the JSON of a state, not of a plan: run `terraform show -json plan.out` on a saved plan."
        : "the plan has no resource_changes: it is not `terraform show -json` output of a saved plan.",
    );
  }
  const refs = policyReferences(raw["configuration"]);
  const notes: string[] = [];
  const policies: PlanPolicyChange[] = [];
  const attachments: PlanAttachmentChange[] = [];
  const policyAddresses = new Set<string>();
  raw["resource_changes"].forEach((rc: unknown, index) => {
    if (!isObject(rc) || rc["mode"] === "data") return;
    const type = rc["type"];
    const change = isObject(rc["change"]) ? rc["change"] : {};
    const actions = Array.isArray(change["actions"])
      ? change["actions"].filter((a) => typeof a === "string")
      : [];
    if (actions.every((a) => a === "no-op" || a === "read")) return;
    const address = str(rc["address"]) ?? `resource_changes[${index}]`;
    if (type === "aws_organizations_policy") {
      const before = policySide(change["before"], undefined);
      const after = policySide(change["after"], change["after_unknown"]);
      const t = after?.type ?? before?.type;
      if (t && !AUTHORIZATION_TYPES.has(t)) {
        notes.push(`${address} is a ${t}, not an SCP or RCP: not reviewed.`);
        return;
      }
      policies.push({ address, index, actions, before, after });
      policyAddresses.add(configAddress(address));
    } else if (type === "aws_organizations_policy_attachment") {
      const side = (values: unknown, unknownValues: unknown): PlanAttachmentSide | null => {
        if (!isObject(values)) return null;
        const target = str(values["target_id"]);
        if (!target) return null;
        const policyId = str(values["policy_id"]);
        const unknownId = isObject(unknownValues) && unknownValues["policy_id"] === true;
        let policyAddress: string | null = null;
        if (!policyId || unknownId) {
          const ref = (refs.get(configAddress(address)) ?? []).find((r) =>
            /aws_organizations_policy\.[^.]+$/.test(r),
          );
          policyAddress = ref ?? null;
        }
        return { policyId: unknownId ? null : policyId, policyAddress, targetId: target };
      };
      attachments.push({
        address,
        index,
        actions,
        before: side(change["before"], undefined),
        after: side(change["after"], change["after_unknown"]),
      });
    }
  });
  // An attachment whose policy is known only by address: that address must be a policy of the plan.
  for (const a of attachments) {
    const p = a.after?.policyAddress;
    if (p && !policyAddresses.has(p)) {
      notes.push(
        `${a.address} attaches ${p}, which the plan does not show: its document is not known, so it is not classified.`,
      );
    }
  }
  return {
    terraformVersion: str(raw["terraform_version"]),
    policies,
    attachments,
    priorPolicies: priorPolicies(raw),
    notes,
  };
}
