#!/usr/bin/env node
// `npx aws-organizations-mcp-server audit|lint|snapshot`, and `--stdio` (or `serve --stdio`) to serve
// the MCP tools over stdio for desktop clients: runs src/ through the locally installed tsx, so the
// command works right after `npm ci`, which does not build dist/. Over stdio, stdout carries only
// JSON-RPC: every log line goes to stderr.
import process from "node:process";
import { URL } from "node:url";
import { register } from "tsx/esm/api";

register();
const args = process.argv.slice(2);
const stdio = args[0] === "--stdio" || (args[0] === "serve" && args.includes("--stdio"));
if (stdio) {
  const extra = args.filter((a) => a !== "serve" && a !== "--stdio");
  if (extra.length) {
    process.stderr.write(
      `aws-organizations-mcp-server --stdio takes no other arguments (got ${extra.join(" ")}); ` +
        "configure it as the HTTP server is: RUNTIME_CONFIG_FILE, RUNTIME_CONFIG_SECRET_ID or the environment variables of .env.example\n",
    );
    process.exitCode = 2;
  } else {
    const { runStdio } = await import(new URL("../src/stdio.ts", import.meta.url).href);
    process.exitCode = await runStdio();
  }
} else if (args[0] === "serve") {
  process.stderr.write(
    "serve needs --stdio (the MCP tools over stdio, for desktop clients); the HTTP server is `npm start`\n",
  );
  process.exitCode = 2;
} else {
  const { runCli } = await import(new URL("../src/cli/main.ts", import.meta.url).href);
  process.exitCode = await runCli(args);
}
