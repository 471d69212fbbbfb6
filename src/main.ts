/** Development entry point (`npm run dev`); the production bundle starts through src/launch.ts. */
import { run } from "./server.js";

run();
