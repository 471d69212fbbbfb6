/**
 * Throughput of the error-log parser on a large mixed paste (~20 MB): ordinary log noise with every
 * corpus fixture's format mixed in. A script, not a test:
 *
 *   npx tsx bench/log-parser.bench.ts [megabytes]
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseErrorLog } from "../src/logs/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "logs");
const targetMb = Number(process.argv[2] ?? "20");
const RUNS = 3;

function fixtureTexts(): string[] {
  const texts: string[] = [];
  for (const file of readdirSync(FIXTURES).sort()) {
    if (!file.endsWith(".json")) continue;
    const fixture = JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as {
      text?: string;
      textFile?: string;
    };
    const text =
      fixture.textFile !== undefined ? readFileSync(join(FIXTURES, fixture.textFile), "utf8") : fixture.text;
    if (text !== undefined) texts.push(text.endsWith("\n") ? text : `${text}\n`);
  }
  return texts;
}

const NOISE = [
  '2025-03-01T10:00:00.000Z INFO  [worker-3] GET /api/v1/items?page=17 200 12ms user="svc" {"ok":true,"n":42}\n',
  "2025-03-01T10:00:00.120Z DEBUG botocore.endpoint Making request for OperationModel(name=GetObject) with params: {...}\n",
  "    at Object.<anonymous> (/app/src/handler.ts:42:13)\n",
  '{"level":"info","ts":1740823200.5,"logger":"controller","msg":"reconciled","name":"default","namespace":"kube-system"}\n',
  "│ Warning: Argument is deprecated\n",
  "Mar  1 10:00:01 ip-10-0-1-23 systemd[1]: Started Session 42 of user ec2-user.\n",
  "2025-03-01 10:00:02,431 - MainThread - awscli.clidriver - DEBUG - CLI version: aws-cli/2.15.0 Python/3.11.6\n",
  'INFO: uploaded s3://reports/2025/q1.csv (200 OK) in 231 ms, etag "9b2cf535f27731c974343645a3985328"\n',
];

function buildLog(megabytes: number): string {
  const target = megabytes * 1024 * 1024;
  const fixtures = fixtureTexts();
  const parts: string[] = [];
  let size = 0;
  let f = 0;
  let n = 0;
  while (size < target) {
    // ~50 noise lines between denials.
    for (let i = 0; i < 50; i++) {
      const line = NOISE[n++ % NOISE.length] as string;
      parts.push(line);
      size += line.length;
    }
    const fixture = fixtures[f++ % fixtures.length] as string;
    parts.push(fixture);
    size += fixture.length;
  }
  return parts.join("");
}

const log = buildLog(targetMb);
const mb = log.length / (1024 * 1024);
console.log(`log: ${mb.toFixed(1)} MB (${log.length} characters)`);

let best = Number.POSITIVE_INFINITY;
let denials = 0;
let sightings = 0;
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const result = parseErrorLog(log);
  const ms = performance.now() - started;
  best = Math.min(best, ms);
  denials = result.denials.length;
  sightings = result.counts.sightings;
  console.log(`run ${run + 1}: ${ms.toFixed(0)} ms, ${(mb / (ms / 1000)).toFixed(1)} MB/s`);
}
console.log(`sightings: ${sightings}, distinct denials: ${denials}`);
console.log(`throughput (best of ${RUNS}): ${(mb / (best / 1000)).toFixed(1)} MB/s`);
