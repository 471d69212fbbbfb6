/** The full-size reliability runs (npm run test:fuzz, test:load, test:faults); `npm test` runs them bounded. */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    environment: "node",
    env: { RELIABILITY_FULL: "1" },
    // One suite at a time: the figures are measured on a quiet machine.
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
  },
});
