/**
 * Runs the fake AWS service, or writes a generated organization, from the command line.
 *
 *   tsx test/fake-aws/cli.ts serve --size M [--seed 1] [--port 4566] [--latency 20] [--throttle 10:10]
 *                                  [--snapshot org.json] [--secret id=file.json]
 *   tsx test/fake-aws/cli.ts generate --size XL [--seed 1] --out xl.json
 *
 * `serve` prints one JSON line ({"endpoint": ...}) once listening and runs until SIGTERM/SIGINT.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadSnapshotFile } from "../../src/org/snapshot-reader.js";
import { generateOrganization, writeSnapshotFile, type OrgSize } from "./generate-org.js";
import { startFakeAws } from "./organizations-server.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: "string", default: "S" },
    seed: { type: "string", default: "1" },
    port: { type: "string", default: "0" },
    latency: { type: "string", default: "0" },
    throttle: { type: "string" },
    snapshot: { type: "string" },
    secret: { type: "string", multiple: true },
    out: { type: "string" },
  },
});

const size = values.size.toUpperCase() as OrgSize;
if (!["S", "M", "L", "XL"].includes(size))
  throw new Error(`--size must be S, M, L or XL, got ${values.size}`);
const seed = Number(values.seed);

if (positionals[0] === "generate") {
  if (!values.out) throw new Error("generate needs --out <file>");
  await writeSnapshotFile(values.out, generateOrganization(size, seed));
  console.log(JSON.stringify({ written: values.out, size, seed }));
} else if (positionals[0] === "serve") {
  const snapshot = values.snapshot
    ? await loadSnapshotFile(values.snapshot)
    : generateOrganization(size, seed);
  const secrets: Record<string, string> = {};
  for (const entry of values.secret ?? []) {
    const [id, file] = entry.split("=");
    if (!id || !file) throw new Error(`--secret expects id=file, got ${entry}`);
    secrets[id] = await readFile(file, "utf8");
  }
  const [rate, burst] = (values.throttle ?? "").split(":").map(Number);
  const fake = await startFakeAws({
    snapshot,
    secrets,
    port: Number(values.port),
    latencyMs: Number(values.latency),
    throttle: rate ? { ratePerSecond: rate, burst: burst || rate } : null,
  });
  console.log(JSON.stringify({ endpoint: fake.endpoint }));
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  console.error("usage: cli.ts serve|generate [options] (see the file header)");
  process.exit(2);
}
