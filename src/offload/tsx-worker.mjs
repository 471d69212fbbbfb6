// The worker thread's entry under tsx (development and tests; the bundle has dist/worker.cjs):
// registers tsx's loader in this thread, then loads the TypeScript entry pool.ts names. `--import tsx`
// in a worker's execArgv does not reach its entry on Node 20.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
