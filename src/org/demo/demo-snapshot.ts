/** The bundled demo organization, parsed and checked like any snapshot file. */
import demoOrganization from "./demo-organization.json" with { type: "json" };
import { parseSnapshot } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";

export function demoSnapshot(): Snapshot {
  return parseSnapshot(demoOrganization, "(bundled demo)");
}
