/** A JSON call to another service with a bounded wait. `status` 0 means no answer (timeout, refused connection). */
export interface JsonAnswer {
  status: number;
  body: unknown;
}

export async function callJson(
  url: string,
  init: { method: string; key?: string; body?: unknown; headers?: Record<string, string>; timeoutMs: number },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  try {
    const response = await fetch(url, {
      method: init.method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

export const errorCodeOf = (answer: JsonAnswer) =>
  (answer.body as { error?: { code?: string } } | undefined)?.error?.code ?? `http_${answer.status}`;

/** Transient: no answer, a 5xx, or the 4xx that mean "try again". */
export const isTransient = (status: number) =>
  status === 0 || status >= 500 || status === 408 || status === 409 || status === 425 || status === 429;

/** The wire form of a firm quote from the quote service. */
export interface QuoteWire {
  id: string;
  clientRef: string;
  corridorId: string;
  sellAmount: string;
  buyAmount: string;
  fee: { total: string };
  sendingOperator: string;
  receivingOperator: string;
  expiresAt: number;
  latestDeadline: number;
  signature: string;
  signer: string;
  state: string;
}
