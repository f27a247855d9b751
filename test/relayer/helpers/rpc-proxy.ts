import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * What the proxy does to each JSON-RPC call on its way to the node:
 * - forward: pass it through;
 * - drop-reply: forward it, let the node act on it, then cut the connection without answering
 *   (the "sent, but the reply was lost" case);
 * - lag: answer `eth_blockNumber` with an older head (a node that is behind), forward the rest.
 */
export type ProxyMode = { kind: "forward" } | { kind: "drop-reply"; methods: string[] } | { kind: "lag"; head: number };

export interface RpcProxy {
  url: string;
  mode: ProxyMode;
  /** Calls seen, by method. */
  calls: Map<string, number>;
  /** Stops listening and cuts every open connection: the URL is dead from now on. */
  kill(): Promise<void>;
}

/** A loopback HTTP proxy in front of a JSON-RPC node, for transport faults the node itself cannot make. */
export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const sockets = new Set<Socket>();
  const proxy: RpcProxy = {
    url: "",
    mode: { kind: "forward" },
    calls: new Map(),
    kill: () => close(server, sockets),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(Buffer.concat(chunks).toString(), res);
    });
  });

  async function handle(body: string, res: ServerResponse): Promise<void> {
    // A batch (array body) counts each of its calls; its "method" for the modes is that of its calls.
    let methods: string[] = [];
    let id: unknown = null;
    try {
      const parsed = JSON.parse(body) as { method?: string; id?: unknown } | Array<{ method?: string }>;
      if (Array.isArray(parsed)) methods = parsed.map((c) => c.method ?? "");
      else {
        methods = [parsed.method ?? ""];
        id = parsed.id ?? null;
      }
    } catch {
      // Forwarded as is; the node answers the parse error.
    }
    for (const m of methods) proxy.calls.set(m, (proxy.calls.get(m) ?? 0) + 1);
    const method = methods.length === 1 ? methods[0]! : "";
    const mode = proxy.mode;
    if (mode.kind === "lag" && method === "eth_blockNumber") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x" + mode.head.toString(16) }));
      return;
    }
    try {
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await upstream.text();
      if (mode.kind === "drop-reply" && methods.some((m) => mode.methods.includes(m))) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(text);
    } catch {
      res.socket?.destroy();
    }
  }

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function close(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
