import { type ChainError, classifyRpcError, TransportError } from "./errors.js";

/** One JSON-RPC URL: a raw call with a timeout, and the health it has shown (transport failures only). */
export class RpcEndpoint {
  private nextId = 1;
  /** Consecutive transport failures; reset by any answer, even an error answer. */
  failures = 0;
  /** Until when (ms epoch) the endpoint is skipped after failing. */
  downUntil = 0;
  /** The last head this endpoint reported; a value below the client's highest seen marks it as behind. */
  lastHead = -1;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A JSON-RPC batch: one HTTP round trip, answered per call (a value or the classified error). Nodes
   * execute a batch in order, so signed transactions sent this way arrive in nonce order.
   */
  async callBatch<T>(method: string, paramsList: readonly (readonly unknown[])[]): Promise<Array<T | ChainError>> {
    const first = this.nextId;
    this.nextId += paramsList.length;
    const body = paramsList.map((params, i) => ({ jsonrpc: "2.0", id: first + i, method, params }));
    let replies: Array<{ id: number; result?: T; error?: { code?: number; message?: string; data?: unknown } }>;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      replies = (await response.json()) as typeof replies;
      if (!Array.isArray(replies)) throw new Error(`HTTP ${response.status}: not a batch reply`);
    } catch (cause) {
      throw new TransportError(`${method} batch on ${this.url}: ${(cause as Error).message}`, { url: this.url, cause });
    }
    const byId = new Map(replies.map((r) => [Number(r.id), r]));
    return paramsList.map((_, i) => {
      const reply = byId.get(first + i);
      if (reply === undefined)
        return new TransportError(`${method} batch on ${this.url}: no reply ${i}`, { url: this.url });
      if (reply.error !== undefined && reply.error !== null) return classifyRpcError(reply.error, this.url);
      return reply.result as T;
    });
  }

  async call<T>(method: string, params: readonly unknown[]): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new TransportError(`${method} on ${this.url}: ${(cause as Error).message}`, { url: this.url, cause });
    }
    let body: { result?: T; error?: { code?: number; message?: string; data?: unknown } };
    try {
      const text = await response.text();
      if (!response.ok && !text.startsWith("{")) throw new Error(`HTTP ${response.status}`);
      body = JSON.parse(text) as typeof body;
    } catch (cause) {
      throw new TransportError(`${method} on ${this.url}: ${(cause as Error).message}`, { url: this.url, cause });
    }
    if (body.error !== undefined && body.error !== null) throw classifyRpcError(body.error, this.url);
    if (!("result" in body)) throw new TransportError(`${method} on ${this.url}: no result`, { url: this.url });
    return body.result as T;
  }
}
