import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage } from "../errors.js";

/** The exit code of a run that could not do its work (usage, configuration, AWS). */
export const EXIT_ERROR = 2;

/**
 * Runs a command when its module is the script Node was started with, not when it is imported
 * (tests import the modules and call their run functions).
 */
export function runWhenMain(moduleUrl: string, name: string, run: (argv: string[]) => Promise<number>): void {
  const main = process.argv[1];
  if (main === undefined || resolve(main) !== fileURLToPath(moduleUrl)) return;
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: unexpected error: ${errorMessage(error)}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}
