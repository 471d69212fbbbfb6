/** Runs the CLI in-process, reading files relative to the repository, as CI would run it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";

export const ROOT = join(import.meta.dirname, "../..");
const DEMO_BASELINE = "src/org/demo/demo-baseline.json";

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readTextFile: (p) => Promise.resolve(readFileSync(join(ROOT, p), "utf8")),
    readSecret: async (id) => {
      if (id === "scp-baseline") return readFileSync(join(ROOT, DEMO_BASELINE), "utf8");
      throw new Error(`Secret ${id} was not found`);
    },
  });
  return { code, stdout, stderr };
}
