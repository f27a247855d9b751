import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/** Decides the answer to one request; may wait (a slow or hanging receiver). */
export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface RecordingServer {
  url: string;
  /** Every request received, in arrival order, whatever it was answered. */
  readonly requests: RecordedRequest[];
  responder: Responder;
  close(): Promise<void>;
}

/**
 * A small real HTTP server on 127.0.0.1 that records what it receives and answers through a replaceable
 * responder: the receiving end of webhooks, or a third-party API in the wallet tests.
 */
export async function startRecordingServer(responder: Responder = () => ({ status: 200 })): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const state: { responder: Responder } = { responder };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      };
      requests.push(recorded);
      Promise.resolve(state.responder(recorded)).then(
        (reply) => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { "content-type": "application/json" });
          res.end(reply.body === undefined ? "{}" : JSON.stringify(reply.body));
        },
        () => res.destroy(),
      );
    });
  });
  // Tracked by hand so close() can end every connection, idle keep-alive ones and half-open ones alike.
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get responder() {
      return state.responder;
    },
    set responder(next: Responder) {
      state.responder = next;
    },
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** Polls `condition` every 25 ms until it holds, failing after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
