/**
 * The production launcher (dist/start.cjs). Every new AgentCore session starts a fresh process, and
 * compiling the 1.5 MB bundle was the largest part of start-up. So the bundle (dist/server.cjs) is
 * compiled with V8's code cache: `node dist/start.cjs --write-compile-cache` evaluates it once at
 * image build time, with the image's own Node, and saves what V8 compiled; later starts reuse it.
 * A cache that is missing or made by another Node or V8 is ignored (V8 checks), and the bundle is
 * compiled as usual: slower, never wrong. Node 22's NODE_COMPILE_CACHE does the same for ES modules;
 * this works on Node 20 too and needs no writable directory at run time.
 *
 * Only Node built-ins here: this file is loaded the ordinary way.
 */
import { readFileSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { constants, Script } from "node:vm";

interface Bundle {
  run(options: { compileCache?: string }): void;
}

const bundlePath = join(__dirname, "server.cjs");
const cachePath = join(__dirname, "server.cjs.v8-cache");

function load(): { bundle: Bundle; script: Script; cache: "used" | "rejected" | "absent" } {
  const source = readFileSync(bundlePath, "utf8");
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), {
    filename: bundlePath,
    ...(cachedData ? { cachedData } : {}),
    // The AWS SDK imports a few Node built-ins lazily (import("node:http") for instance metadata).
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cache = !cachedData ? "absent" : script.cachedDataRejected ? "rejected" : "used";
  const bundleModule = new Module(bundlePath, module);
  bundleModule.filename = bundlePath;
  // Where require() inside the bundle looks: the one external package sits in ../node_modules.
  bundleModule.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    __dirname,
  );
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  const requireFromBundle = Module.createRequire(bundlePath);
  wrapper.call(
    bundleModule.exports,
    bundleModule.exports,
    requireFromBundle,
    bundleModule,
    bundlePath,
    __dirname,
  );
  bundleModule.loaded = true;
  return { bundle: bundleModule.exports as Bundle, script, cache };
}

if (process.argv.includes("--write-compile-cache")) {
  // Evaluating the bundle compiles everything its modules run at load; that is what a start needs.
  const { script } = load();
  const data = script.createCachedData();
  writeFileSync(cachePath, data);
  process.stdout.write(`wrote ${cachePath} (${data.length} bytes)\n`);
} else {
  const { bundle, cache } = load();
  bundle.run({ compileCache: cache });
}
