/**
 * The organization trail's log files in S3 (AWSLogs/<org id>/<account>/CloudTrail/<region>/YYYY/MM/DD/
 * <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz, as CloudTrail names them), for the
 * accounts a change reaches and the last hours: listed, read and folded into distinct requests until
 * the call's deadline. What was not read is said, never silently dropped.
 */
import { gunzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ActivitySourceConfig } from "../config/schema.js";
import { addRecords, emptyActivity, type Activity } from "../preview/activity.js";
import { countSkip } from "../preview/activity-text.js";
import type { TrailRequest } from "../preview/sources.js";
import { USER_AGENT_APP_ID } from "../version.js";
import { mapActivityError } from "./activity-errors.js";
import type * as ActivitySdk from "./activity-backends.js";

type TrailConfig = NonNullable<ActivitySourceConfig["trail"]>;

const MAX_FILES = 20_000;
const MAX_RECORDS = 2_000_000;
const CONCURRENCY = 16;
/** A log file is delivered within about 15 minutes of its events: files up to that late still count. */
const DELIVERY_SLACK_MS = 20 * 60_000;
const FILE_TIME = /_(\d{8})T(\d{4})Z_/;

function prefixOf(config: TrailConfig): string {
  const p = config.prefix.replace(/^\/+|\/+$/g, "");
  return p ? `${p}/` : "";
}

function days(from: Date, to: Date): string[] {
  const out: string[] = [];
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (d.getTime() <= to.getTime()) {
    out.push(d.toISOString().slice(0, 10).replace(/-/g, "/"));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

function fileTime(key: string): number | undefined {
  const m = FILE_TIME.exec(key);
  if (!m?.[1] || !m[2]) return undefined;
  const t = `${m[1].slice(0, 4)}-${m[1].slice(4, 6)}-${m[1].slice(6, 8)}T${m[2].slice(0, 2)}:${m[2].slice(2)}:00Z`;
  return Date.parse(t);
}

export function createTrailReader(
  config: TrailConfig,
  client?: S3Client,
): (r: TrailRequest) => Promise<Activity> {
  let s3: Promise<typeof ActivitySdk> | undefined;
  let made: S3Client | undefined = client;
  const sdk = () => (s3 ??= import("./activity-backends.js"));
  const getClient = async (): Promise<S3Client> => {
    if (made) return made;
    const { S3Client: Client } = await sdk();
    made = new Client({
      ...(config.region ? { region: config.region } : {}),
      customUserAgent: USER_AGENT_APP_ID,
      maxAttempts: 5,
    });
    return made;
  };
  return async (request) => {
    const { ListObjectsV2Command, GetObjectCommand } = await sdk();
    const c = await getClient();
    const bucket = config.bucket;
    const from = new Date(request.now.getTime() - request.hours * 3_600_000);
    const org = config.organizationId ?? request.organizationId;
    const activity = emptyActivity(
      `the organization trail in s3://${bucket}/${prefixOf(config)}AWSLogs/${org}/, last ${request.hours} hour(s), ${request.accounts.length} account(s) the change reaches`,
    );
    const list = async (
      prefix: string,
      delimiter?: string,
    ): Promise<{ keys: string[]; prefixes: string[] }> => {
      const keys: string[] = [];
      const prefixes: string[] = [];
      let token: string | undefined;
      do {
        let out;
        try {
          out = await c.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ...(delimiter ? { Delimiter: delimiter } : {}),
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
        } catch (error) {
          throw mapActivityError(error, "S3", "ListObjectsV2", `s3://${bucket}/${prefix}`);
        }
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        for (const p of out.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token && Date.now() < request.deadline);
      return { keys, prefixes };
    };
    // The files of the window: per account, per region it logged in, per day.
    const files: string[] = [];
    for (const account of request.accounts) {
      const base = `${prefixOf(config)}AWSLogs/${org}/${account}/CloudTrail/`;
      const regions = config.regions
        ? config.regions.map((r) => `${base}${r}/`)
        : (await list(base, "/")).prefixes;
      for (const region of regions) {
        for (const d of days(from, request.now)) {
          for (const key of (await list(`${region}${d}/`)).keys) {
            const t = fileTime(key);
            if (t === undefined || (t >= from.getTime() && t <= request.now.getTime() + DELIVERY_SLACK_MS))
              files.push(key);
          }
        }
        if (Date.now() > request.deadline) break;
      }
    }
    let read = 0;
    let next = 0;
    const fromIso = from.toISOString();
    const worker = async (): Promise<void> => {
      while (
        next < files.length &&
        read < MAX_FILES &&
        activity.records < MAX_RECORDS &&
        Date.now() < request.deadline
      ) {
        const key = files[next++] as string;
        let body: Uint8Array;
        try {
          const out = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          body = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
        } catch (error) {
          throw mapActivityError(error, "S3", "GetObject", `s3://${bucket}/${key}`);
        }
        read++;
        let text: string;
        try {
          text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : Buffer.from(body)).toString(
            "utf8",
          );
        } catch {
          countSkip(activity.skipped, "truncated_json");
          continue;
        }
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          countSkip(activity.skipped, "truncated_json");
          continue;
        }
        const records = (doc as { Records?: unknown } | null)?.Records;
        if (!Array.isArray(records)) {
          countSkip(activity.skipped, "not_cloudtrail");
          continue;
        }
        // Files delivered in the window may hold a few earlier events: the window is the events' time.
        addRecords(
          activity,
          records.filter(
            (r) =>
              typeof r === "object" &&
              r !== null &&
              String((r as Record<string, unknown>)["eventTime"] ?? "") >= fromIso,
          ) as Record<string, unknown>[],
        );
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    activity.notes.push(`${read} of ${files.length} log file(s) read.`);
    if (read < files.length) {
      activity.notes.push(
        `${files.length - read} log file(s) of the window were not read within the call's time (or the limit of ${MAX_FILES} files, ${MAX_RECORDS} records): the answer covers part of the window. Use activity.athena for long windows.`,
      );
    }
    return activity;
  };
}
