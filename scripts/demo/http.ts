/** The demo's HTTP calls to the services: JSON in and out, an API key or headers, a bounded wait. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
}

export async function call<T = unknown>(
  base: string,
  method: "GET" | "POST" | "PUT",
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(base + path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the error message.
  }
  return { status: response.status, body: body as T };
}

/** A call that must answer `expected`; anything else is an error naming the call and the answer. */
export async function expectCall<T>(
  expected: number | number[],
  base: string,
  method: "GET" | "POST" | "PUT",
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const answer = await call<T>(base, method, path, options);
  const ok = Array.isArray(expected) ? expected.includes(answer.status) : answer.status === expected;
  if (!ok) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value, at most `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms: number,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not reached in ${(ms / 1000).toFixed(0)} s`);
    await sleep(everyMs);
  }
}
