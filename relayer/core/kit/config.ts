import { readFileSync } from "node:fs";

import { z } from "zod";

import { ConfigError } from "./errors.js";

export interface LoadConfigOptions {
  /**
   * A JSON file with the service's settings; by default the one named by `<PREFIX>_CONFIG_FILE`, and
   * none when that is unset too (the environment then carries everything).
   */
  file?: string;
  /** Environment variables overriding the file, `<PREFIX>_<PATH>` (see `envName`). */
  env?: NodeJS.ProcessEnv;
  envPrefix: string;
}

/**
 * The environment variable that overrides one config key: the prefix, then each path segment in
 * UPPER_SNAKE_CASE, segments joined by a double underscore. `envName("QUOTES", ["http", "bodyLimit"])`
 * is `QUOTES_HTTP__BODY_LIMIT`.
 */
export function envName(prefix: string, path: readonly string[]): string {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
  return `${prefix}_${path.map(snake).join("__")}`;
}

// Secrets (see keys.ts) share the service's prefix but never enter the config object, which may be logged.
const SECRET_ENV = /_(PASSWORD|PRIVATE_KEY)$/;

/**
 * Loads a config: the JSON file, then environment overrides, validated by `schema`. Every problem is
 * reported at once, each naming the key, what is wrong and where the bad value came from.
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions): z.output<S> {
  const fileEnv = `${options.envPrefix}_CONFIG_FILE`;
  const file = options.file ?? options.env?.[fileEnv];
  const raw: Record<string, unknown> = file === undefined ? {} : readJsonFile(file);
  const sources = new Map<string, string>();
  const prefix = `${options.envPrefix}_`;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!name.startsWith(prefix) || value === undefined || name === fileEnv || SECRET_ENV.test(name)) continue;
    const path = name
      .slice(prefix.length)
      .split("__")
      .map((segment) => segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    if (path.some((segment) => segment === "" || segment === "__proto__")) {
      throw new ConfigError(`environment variable ${name} does not name a config key`);
    }
    setPath(raw, path, parseEnvValue(value));
    sources.set(path.join("."), `environment ${name}`);
  }

  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join(".") || "(root)";
    const from = sources.get(key) ?? (file === undefined ? "defaults" : `file ${file}`);
    return `${key}: ${issue.message} (from ${from})`;
  });
  throw new ConfigError("invalid configuration", issues);
}

function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`config file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

// Numbers, booleans, arrays and objects arrive as JSON; anything that is not JSON is a plain string.
function parseEnvValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
