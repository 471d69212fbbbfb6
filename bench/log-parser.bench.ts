/**
 * The error-log parser. A script, not a test:
 *
 *   npx tsx bench/log-parser.bench.ts [megabytes]
 *     throughput on a large mixed paste (~20 MB by default): ordinary log noise with every corpus
 *     fixture's format mixed in (the figure `npm run bench` reports);
 *   npx tsx bench/log-parser.bench.ts hostile [megabytes]
 *     analyze_error_log over MCP (the in-process app, as test/helpers/harness.ts builds it) on
 *     hostile pastes of the given size (default: the tool's limit, MAX_LOG_CHARS): each case in its
 *     own process, reporting the call's time, the process's peak RSS and the answer's bytes.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS, parseErrorLog } from "../src/logs/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "logs");
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

/** An ordinary log: noise with every fixture mixed in, up to `megabytes` and within the size limit. */
function buildLog(megabytes: number): string {
  const target = Math.min(megabytes * 1024 * 1024, MAX_LOG_CHARS - 64 * 1024);
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

function throughput(targetMb: number): void {
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
}

// --- Hostile pastes (issue 15) ---

/** What the server accepts: the tool's character limit and the HTTP body limit (10 MiB). */
const BODY_LIMIT = 10 * 1024 * 1024 - 4096;

/** Repeat `unit(i)` until the text reaches `chars` characters or its JSON body would not fit. */
function repeatTo(chars: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  let body = 0;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (u === "") break;
    const encoded = JSON.stringify(u).length - 2;
    if (size + u.length > chars || body + encoded > BODY_LIMIT) break;
    parts.push(u);
    size += u.length;
    body += encoded;
  }
  return parts.join("");
}

const denialLine = (i: number): string =>
  `User: arn:aws:iam::230000000001:user/u${i} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k${i} with an explicit deny in a service control policy\n`;

const HOSTILE: Record<string, (chars: number) => string[]> = {
  /** The reference: an ordinary log of the same size (noise with every fixture mixed in). */
  ordinary: (chars) => [buildLog(Math.min(chars, MAX_LOG_CHARS) / (1024 * 1024))],
  /** The IAM anchor phrase and nothing else: each match used to re-read ~1,500 characters. */
  "anchor-phrase": (chars) => [repeatTo(chars, () => "is not authorized to perform ")],
  /** The same at a quarter of the size, four calls one after another. */
  "anchor-phrase-x4": (chars) => {
    const quarter = repeatTo(Math.floor(chars / 4), () => "is not authorized to perform ");
    return [quarter, quarter, quarter, quarter];
  },
  /** Lines that look like CloudTrail events and are not JSON: one warning each, before. */
  "malformed-cloudtrail": (chars) => [repeatTo(chars, () => '{"eventName":"x" "eventSource":1}\n')],
  /** Distinct denied requests, one per line: one denial each in the answer, before. */
  "distinct-denials": (chars) => [repeatTo(chars, denialLine)],
  /** Exactly the events limit of distinct denials (when the size allows): the largest list answered. */
  "events-at-limit": (chars) => [repeatTo(chars, (i) => (i < MAX_LOG_EVENTS ? denialLine(i) : ""))],
  /** 25 distinct denials, each with a 19,000-character encoded message: the largest listed facts. */
  "long-encoded-x25": (chars) => [
    repeatTo(chars, (i) =>
      i < 25
        ? `${denialLine(i).trimEnd()}. Encoded authorization failure message: ${"A".repeat(19_000)}\n`
        : "",
    ),
  ],
};

async function hostileCase(name: string, megabytes: number): Promise<void> {
  const { callTool, connect, startHarness } = await import("../test/helpers/harness.js");
  const texts = (HOSTILE[name] as (chars: number) => string[])(Math.floor(megabytes * 1_000_000));
  const client = await connect(await startHarness());
  await callTool(client, "analyze_error_log", { text: "warm-up" });
  const rssBefore = process.memoryUsage().rss;
  let answerBytes = 0;
  let outcome = "";
  const started = performance.now();
  for (const text of texts) {
    const out = await callTool(client, "analyze_error_log", { text });
    answerBytes = Math.max(answerBytes, JSON.stringify(out.result).length);
    outcome = out.result.isError
      ? `error: ${out.text.slice(0, 160)}`
      : `found ${String(out.data?.["found"])}, warnings ${String((out.data?.["warnings"] as unknown[]).length)}`;
  }
  const ms = performance.now() - started;
  await client.close();
  console.log(
    JSON.stringify({
      name,
      inputChars: texts.reduce((n, t) => n + t.length, 0),
      calls: texts.length,
      ms: Math.round(ms),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      rssBeforeMb: Math.round(rssBefore / 2 ** 20),
      answerBytes,
      outcome,
    }),
  );
}

function hostile(megabytes: number): void {
  console.log(`hostile pastes, ${megabytes} MB each (largest answer of a case shown)`);
  console.log(
    "case                  | input chars | calls | time ms | ÷ ordinary | peak RSS MB | answer bytes | outcome",
  );
  let reference = Number.NaN;
  for (const name of Object.keys(HOSTILE)) {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "hostile-case", name, String(megabytes)],
      { encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" }, maxBuffer: 64 * 1024 * 1024 },
    );
    const line = out.trim().split("\n").at(-1) ?? "{}";
    const r = JSON.parse(line) as Record<string, string | number>;
    if (name === "ordinary") reference = Number(r["ms"]);
    console.log(
      [
        String(r["name"]).padEnd(21),
        String(r["inputChars"]).padStart(11),
        String(r["calls"]).padStart(5),
        String(r["ms"]).padStart(7),
        (Number(r["ms"]) / reference).toFixed(1).padStart(10),
        `${String(r["peakRssMb"])} (${String(r["rssBeforeMb"])} before)`.padStart(11),
        String(r["answerBytes"]).padStart(12),
        String(r["outcome"]),
      ].join(" | "),
    );
  }
}

const [mode, arg1, arg2] = process.argv.slice(2);
const limitMb = MAX_LOG_CHARS / 1_000_000;
if (mode === "hostile") hostile(Number(arg1 ?? limitMb));
else if (mode === "hostile-case") await hostileCase(arg1 as string, Number(arg2 ?? limitMb));
else throughput(Number(mode ?? "20"));
