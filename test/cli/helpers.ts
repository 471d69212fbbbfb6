/** Runs the CLI in-process, reading files relative to the repository, as CI would run it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";

export const ROOT = join(import.meta.dirname, "../..");
const DEMO_BASELINE = "src/org/demo/demo-baseline.json";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Files the CLI wrote for SARIF results to point at, by path (kept in memory, not on disk). */
  artifacts: Map<string, string>;
  /** What --output wrote, by path (in memory too). */
  outputs: Map<string, string>;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const artifacts = new Map<string, string>();
  const outputs = new Map<string, string>();
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readTextFile: (p) => Promise.resolve(readFileSync(join(ROOT, p), "utf8")),
    writeArtifact: async (p, text) => {
      artifacts.set(p, text);
    },
    writeOutput: async (p, text) => {
      outputs.set(p, text);
    },
    readSecret: async (id) => {
      if (id === "scp-baseline") return readFileSync(join(ROOT, DEMO_BASELINE), "utf8");
      throw new Error(`Secret ${id} was not found`);
    },
  });
  return { code, stdout, stderr, artifacts, outputs };
}
