/** Structured JSON logs, one object per line on stdout. Never pass tokens or secrets in. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Defence in depth: fields with these names are never written, whatever a caller passes.
const REDACTED_KEYS =
  /^(authorization|token|access_?token|id_?token|secret|client_?secret|password|cookie)$/i;

export interface Logger {
  level: LogLevel;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (line: string) => void;

/**
 * Lines written once per turn of the event loop: stdout on a pipe is a synchronous write on Linux,
 * and one write per request line was about 6 % of a warm tools/call under load. What is pending is
 * written synchronously when the process exits (process.exit, an uncaught exception, SIGTERM's
 * shutdown); only an end that skips Node's exit event (SIGKILL, a V8 out-of-memory abort) can lose
 * the lines of the current turn.
 */
let pending: string[] = [];
let flushScheduled = false;
let exitHooked = false;

export function flushLogs(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  process.stdout.write(text);
}

const stdoutSink: LogSink = (line) => {
  pending.push(line + "\n");
  if (flushScheduled) return;
  flushScheduled = true;
  if (!exitHooked) {
    exitHooked = true;
    process.on("exit", flushLogs);
  }
  setImmediate(flushLogs);
};

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = REDACTED_KEYS.test(key) ? "[redacted]" : value;
  }
  return out;
}

export function createLogger(level: LogLevel = "info", sink: LogSink = stdoutSink): Logger {
  const logger: Logger = {
    level,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
  };
  function write(at: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[at] < ORDER[logger.level]) return;
    const entry = { time: new Date().toISOString(), level: at, msg, ...(fields ? redact(fields) : {}) };
    sink(JSON.stringify(entry));
  }
  return logger;
}

/** A logger that keeps lines in memory, for tests that assert on logs. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger(level, (line) => lines.push(line)),
    { lines },
  );
}
