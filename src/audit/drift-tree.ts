/**
 * The organization as drift sees one policy type: the loaded view indexed by parent, and the
 * baseline's target selectors (ids, paths of names, `/**`, `!`) resolved against it.
 */
import { UserError } from "../errors.js";
import { targetKindOf } from "../model/ids.js";
import type { Policy } from "../model/organization.js";
import type { OrganizationService, OrganizationView, ViewNode } from "../org/service.js";
import type { FindingTarget } from "../policy/diff.js";

/** The view of one policy type, indexed for target resolution and reach. */
export class Tree {
  readonly children = new Map<string, ViewNode[]>();
  readonly roots: ViewNode[] = [];

  constructor(readonly view: OrganizationView) {
    for (const node of [...view.containers.values(), ...view.accounts.values()]) {
      if (node.parentId === null) this.roots.push(node);
      else {
        const siblings = this.children.get(node.parentId);
        if (siblings) siblings.push(node);
        else this.children.set(node.parentId, [node]);
      }
    }
  }

  node(id: string): ViewNode | undefined {
    return this.view.accounts.get(id) ?? this.view.containers.get(id);
  }

  path(id: string): string {
    const names: string[] = [];
    for (let n = this.node(id); n; n = n.parentId === null ? undefined : this.node(n.parentId))
      names.unshift(n.name);
    return names.join("/");
  }

  ancestors(id: string): string[] {
    const out: string[] = [];
    for (let n = this.node(id); n?.parentId; n = this.node(n.parentId)) out.unshift(n.parentId);
    return out;
  }

  /** The node and everything below it that is in the view. */
  subtree(id: string): string[] {
    const out: string[] = [];
    const walk = (x: string): void => {
      out.push(x);
      for (const c of this.children.get(x) ?? []) walk(c.id);
    };
    if (this.node(id)) walk(id);
    return out;
  }

  accountsUnder(id: string): string[] {
    return this.subtree(id).filter((x) => this.view.accounts.has(x));
  }

  target(id: string): FindingTarget {
    const n = this.node(id);
    return { id, type: n?.type ?? targetKindOf(id) ?? "ROOT", name: n?.name ?? id, path: this.path(id) };
  }

  /** Policies attached directly to a target of the view. */
  attached(id: string): Policy[] {
    return (this.view.attachments.get(id) ?? []).flatMap((pid) => {
      const p = this.view.policies.get(pid);
      return p ? [p] : [];
    });
  }

  /** Targets of the view a policy is attached to. */
  attachmentsOf(policyId: string): string[] {
    return [...this.view.attachments].filter(([, ids]) => ids.includes(policyId)).map(([t]) => t);
  }
}

export interface Resolution {
  ids: Set<string>;
  /** Selectors that name nothing in the organization. */
  unresolved: string[];
}

/** What one selector names: a node of the view, nothing that exists, or nothing the scope shows. */
type Resolved = { found: string } | { unresolved: true } | { ignored: true };

export async function resolveTargets(
  org: OrganizationService,
  tree: Tree,
  selectors: readonly string[],
): Promise<Resolution> {
  const ids = new Set<string>();
  const unresolved: string[] = [];
  for (const selector of selectors) {
    const exclude = selector.startsWith("!");
    let core = exclude ? selector.slice(1) : selector;
    const recursive = core.endsWith("/**");
    if (recursive) core = core.slice(0, -3);
    const resolved = targetKindOf(core) ? await resolveId(org, tree, core) : resolvePath(tree, core);
    if ("unresolved" in resolved) unresolved.push(selector);
    if (!("found" in resolved)) continue;
    for (const id of recursive ? tree.subtree(resolved.found) : [resolved.found]) {
      if (exclude) ids.delete(id);
      else ids.add(id);
    }
  }
  return { ids, unresolved };
}

async function resolveId(org: OrganizationService, tree: Tree, id: string): Promise<Resolved> {
  if (tree.node(id)) return { found: id };
  try {
    // Visible ids are all in the view; an id outside the scope is not ours to report on.
    await org.isVisible(id);
    return { ignored: true };
  } catch (error) {
    if (error instanceof UserError && error.code === "not_found") return { unresolved: true };
    throw error;
  }
}

/** "Root/Workloads/Prod" (the last segment may name an account), from the root's name or id. */
function resolvePath(tree: Tree, path: string): Resolved {
  const segments = path.split("/").map((s) => s.trim());
  const first = segments.shift() ?? "";
  let cursor: ViewNode | undefined = tree.roots.find((r) => r.name === first || r.id === first);
  if (!cursor) return tree.roots.some((r) => r.inScope) ? { unresolved: true } : { ignored: true };
  for (const [i, name] of segments.entries()) {
    const kids: ViewNode[] = tree.children.get(cursor.id) ?? [];
    const last = i === segments.length - 1;
    const next: ViewNode | undefined =
      kids.find((k) => k.type !== "ACCOUNT" && k.name === name) ??
      (last ? kids.find((k) => k.type === "ACCOUNT" && k.name === name) : undefined);
    // Below an in-scope node the view is complete, so the name does not exist; above the scope,
    // it may just be outside it.
    if (!next) return cursor.inScope ? { unresolved: true } : { ignored: true };
    cursor = next;
  }
  return { found: cursor.id };
}
