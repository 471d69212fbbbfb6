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

const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + "\n");
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
