import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Keys whose values never reach a log line, at the top level, one level down, and in request headers.
 * A secret logged under another name is a bug in the caller; these catch the usual names.
 */
const SECRET_KEYS = ["privateKey", "password", "mnemonic", "apiKey", "secret", "keystorePassword", "authorization"];
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "req.headers.cookie",
  // A PostgreSQL URL carries its password: the store section is logged with the config at start.
  "store.url",
  "*.store.url",
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** One pino logger per service; components take `logger.child({ component })`, requests `{ reqId }`. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? "info",
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
