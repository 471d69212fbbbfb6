/**
 * Loads the expected-policy baseline from the source the runtime configuration names: inline (in
 * the configuration document), secretsmanager (a secret holding the JSON), or file. Every problem is
 * a ConfigError naming the source and the offending path in the document.
 */
import { readFile } from "node:fs/promises";
import type { SecretReader } from "../aws/secrets.js";
import type { BaselineSource } from "../config/schema.js";
import { ConfigError, errorMessage } from "../errors.js";
import demoBaselineDocument from "../org/demo/demo-baseline.json" with { type: "json" };
import { BaselineValidationError, parseBaseline, type Baseline } from "../policy/baseline-schema.js";

export type BaselineOrigin = BaselineSource["source"] | "demo" | "request";

export interface LoadedBaseline {
  baseline: Baseline;
  source: BaselineOrigin;
  /** e.g. "secret scp-baseline", "file ./baseline.json", "the runtime configuration (inline)". */
  origin: string;
  loadedAt: Date;
}

export interface BaselineDeps {
  /** Needed for a secretsmanager source only. */
  readSecret?: SecretReader;
  readTextFile?: (path: string) => Promise<string>;
}

export function describeBaselineSource(source: BaselineSource): string {
  switch (source.source) {
    case "inline":
      return "the runtime configuration (baseline.document)";
    case "secretsmanager":
      return `secret ${source.secretId}${source.region ? ` (${source.region})` : ""}`;
    case "file":
      return `file ${source.path}`;
  }
}

function validate(raw: unknown, origin: string): Baseline {
  try {
    return parseBaseline(raw);
  } catch (error) {
    if (error instanceof BaselineValidationError) {
      const issues = error.issues
        .slice(0, 10)
        .map((i) => `${i.path || "(document)"}: ${i.message}`)
        .join("; ");
      const more = error.issues.length > 10 ? ` (and ${error.issues.length - 10} more)` : "";
      throw new ConfigError(`Invalid baseline in ${origin}: ${issues}${more}`);
    }
    throw error;
  }
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Baseline in ${origin} is not valid JSON (${errorMessage(error)}): store one JSON object.`,
    );
  }
}

export async function loadBaseline(source: BaselineSource, deps: BaselineDeps): Promise<LoadedBaseline> {
  const origin = describeBaselineSource(source);
  let raw: unknown;
  switch (source.source) {
    case "inline":
      raw = source.document;
      break;
    case "secretsmanager": {
      let text: string;
      try {
        if (!deps.readSecret) throw new Error("no Secrets Manager reader was given");
        text = await deps.readSecret(source.secretId, source.region);
      } catch (error) {
        throw new ConfigError(`Cannot load the baseline from ${origin}: ${errorMessage(error)}`);
      }
      raw = parseJson(text, origin);
      break;
    }
    case "file": {
      let text: string;
      try {
        text = await (deps.readTextFile ?? ((p: string) => readFile(p, "utf8")))(source.path);
      } catch (error) {
        throw new ConfigError(`Cannot read the baseline ${origin}: ${errorMessage(error)}`);
      }
      raw = parseJson(text, origin);
      break;
    }
  }
  return { baseline: validate(raw, origin), source: source.source, origin, loadedAt: new Date() };
}

/** The bundled demo baseline (docs/demo-organization.md, "The demo baseline"). */
export function demoBaseline(): LoadedBaseline {
  return {
    baseline: validate(demoBaselineDocument, "the bundled demo baseline"),
    source: "demo",
    origin: "the bundled demo baseline (src/org/demo/demo-baseline.json)",
    loadedAt: new Date(),
  };
}
