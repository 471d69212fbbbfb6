/**
 * The organization as drift sees one policy type: the loaded view indexed by parent, and the
 * baseline's target selectors (ids, paths of names, `/**`, `!`) resolved against it.
 */
import { targetKindOf } from "../model/ids.js";
import type { Policy } from "../model/organization.js";
import type { OrganizationView, ViewNode } from "../org/service.js";
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

  /** True when the root is in scope: the view then holds the whole organization. */
  get wholeOrganization(): boolean {
    return this.roots.some((r) => r.inScope);
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
  /** Selectors that provably name nothing in the organization. */
  unresolved: string[];
  /**
   * Selectors that name nothing the scope shows: outside it, or nonexistent where the scope cannot
   * tell (the two must look alike). Never echoed: a configured baseline may name hidden OUs.
   */
  ignored: string[];
}

/**
 * What one selector names: a node of the view; nothing, provably (unresolved); or nothing the
 * scope shows (ignored), which is all that can be said of what lies outside it.
 */
type Resolved = { found: string } | { unresolved: true } | { ignored: true };

export function resolveTargets(tree: Tree, selectors: readonly string[]): Resolution {
  const ids = new Set<string>();
  const unresolved: string[] = [];
  const ignored: string[] = [];
  for (const selector of selectors) {
    const exclude = selector.startsWith("!");
    let core = exclude ? selector.slice(1) : selector;
    const recursive = core.endsWith("/**");
    if (recursive) core = core.slice(0, -3);
    const resolved = targetKindOf(core) ? resolveId(tree, core) : resolvePath(tree, core);
    if ("unresolved" in resolved) unresolved.push(selector);
    if ("ignored" in resolved) ignored.push(selector);
    if (!("found" in resolved)) continue;
    for (const id of recursive ? tree.subtree(resolved.found) : [resolved.found]) {
      if (exclude) ids.delete(id);
      else ids.add(id);
    }
  }
  return { ids, unresolved, ignored };
}

/**
 * Every id the scope shows is in the view. With the whole organization in scope, an id that is not
 * does not exist; with part of it, it may lie outside the scope, and an id outside and an id that
 * exists nowhere must get the same answer: both are ignored, without asking the organization.
 */
function resolveId(tree: Tree, id: string): Resolved {
  if (tree.node(id)) return { found: id };
  return tree.wholeOrganization ? { unresolved: true } : { ignored: true };
}

/** "Root/Workloads/Prod" (the last segment may name an account), from the root's name or id. */
function resolvePath(tree: Tree, path: string): Resolved {
  const segments = path.split("/").map((s) => s.trim());
  const first = segments.shift() ?? "";
  let cursor: ViewNode | undefined = tree.roots.find((r) => r.name === first || r.id === first);
  if (!cursor) return tree.wholeOrganization ? { unresolved: true } : { ignored: true };
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
