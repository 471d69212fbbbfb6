#!/usr/bin/env node
// `npx aws-organizations-mcp-server audit|lint|snapshot`: runs src/cli/main.ts through the locally
// installed tsx, so the command works right after `npm ci`, which does not build dist/.
import process from "node:process";
import { URL } from "node:url";
import { register } from "tsx/esm/api";

register();
const { runCli } = await import(new URL("../src/cli/main.ts", import.meta.url).href);
process.exitCode = await runCli(process.argv.slice(2));
