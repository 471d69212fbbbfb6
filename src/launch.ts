/**
 * The production launcher (dist/start.cjs). Every new AgentCore session starts a fresh process, and
 * compiling the bundle (1.2 MB) was the largest part of start-up. So the bundle (dist/server.cjs) is
 * compiled with V8's code cache: `node dist/start.cjs --write-compile-cache` evaluates it once at
 * image build time, with the image's own Node, and saves what V8 compiled; later starts reuse it.
 *
 * A cache is used only for the exact bundle and Node it was made for: V8 checks its own version and
 * flags but only the source's length, and some Node patch releases accept each other's caches and
 * crash (nodejs/node#62781). So the cache carries a key (Node version, architecture, SHA-256 of the
 * bundle); a missing or mismatched cache is ignored and the bundle compiled as usual. Node 22's
 * NODE_COMPILE_CACHE does something similar; this works on Node 20 too and needs no writable
 * directory at run time.
 *
 * Only Node built-ins here: this file is loaded the ordinary way.
 */
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";

interface Bundle {
  run(options: { compileCache?: string; workerFile?: string }): void;
  /** Loads the modules run() loads only after it has started reading the configuration. */
  loadDeferred?(): Promise<void>;
}

type CacheState = "used" | "rejected" | "absent";

const bundlePath = join(__dirname, "server.cjs");
/** The worker thread's bundle (src/offload/worker.ts), for work that must not hold the event loop. */
const workerPath = join(__dirname, "worker.cjs");
const cachePath = join(__dirname, "server.cjs.v8-cache");
const keyPath = `${cachePath}.key`;

function cacheKey(bytes: Buffer): string {
  const digest = createHash("sha256").update(bytes).digest("hex");
  return JSON.stringify({
    node: process.version,
    arch: process.arch,
    v8: process.versions.v8,
    bundle: digest,
  });
}

function readCache(key: string): { data: Buffer | undefined; state: CacheState } {
  let data: Buffer;
  let storedKey: string;
  try {
    data = readFileSync(cachePath);
    storedKey = readFileSync(keyPath, "utf8");
  } catch {
    return { data: undefined, state: "absent" };
  }
  return storedKey === key ? { data, state: "used" } : { data: undefined, state: "rejected" };
}

function load(): { bundle: Bundle; script: Script; key: string; cache: CacheState } {
  // Read as bytes and hashed as bytes: decoding 2 MB as UTF-8 and hashing the string (which encodes
  // it back to UTF-8) cost about 20 ms of every start. The build keeps the bundle pure ASCII, so the
  // bytes are the characters (latin1); anything else is decoded as UTF-8, as Node would.
  const bytes = readFileSync(bundlePath);
  const key = cacheKey(bytes);
  const source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  const cached = readCache(key);
  // The module wrapper on a line of its own, so line and column numbers in stacks are the file's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: bundlePath,
    lineOffset: -1,
    ...(cached.data ? { cachedData: cached.data } : {}),
  });
  const cache: CacheState = cached.data && script.cachedDataRejected ? "rejected" : cached.state;
  const bundleModule = new Module(bundlePath, module);
  bundleModule.filename = bundlePath;
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  // require() inside the bundle resolves from dist/: the one external package is in ../node_modules.
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
  return { bundle: bundleModule.exports as Bundle, script, key, cache };
}

if (process.argv.includes("--write-compile-cache")) {
  // What a start runs at load: the bundle's eager modules, and those main() imports once it has
  // started reading the configuration. The cache holds the code of both.
  const { bundle, script, key } = load();
  Promise.resolve(bundle.loadDeferred?.()).then(
    () => {
      const data = script.createCachedData();
      writeFileSync(cachePath, data);
      writeFileSync(keyPath, key);
      process.stdout.write(
        `wrote ${cachePath} (${data.length} bytes) for Node ${process.version} ${process.arch}\n`,
      );
    },
    (error: unknown) => {
      process.stderr.write(`cannot write the code cache: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  const { bundle, cache } = load();
  bundle.run({ compileCache: cache, workerFile: workerPath });
}
