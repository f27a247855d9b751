import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One `eth_getLogs` the proxy saw: its block span and whether it was refused. */
export interface LogQuery {
  fromBlock: number;
  toBlock: number;
  refused: boolean;
}

export interface RangeLimitedProxy {
  url: string;
  logQueries: LogQuery[];
  close(): Promise<void>;
}

/**
 * A JSON-RPC proxy in front of a real node that refuses `eth_getLogs` over more than `maxLogRange`
 * blocks the way hosted providers do ("query returned more than 10000 results", code -32005), and
 * records every log query. Everything else is forwarded as is.
 */
export async function startRangeLimitedProxy(upstream: string, maxLogRange: number): Promise<RangeLimitedProxy> {
  const logQueries: LogQuery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString();
        const body = JSON.parse(text) as unknown;
        const calls = Array.isArray(body) ? body : [body];
        const answers = await Promise.all(
          calls.map(
            async (call: { id: unknown; method: string; params?: [{ fromBlock?: string; toBlock?: string }] }) => {
              if (call.method === "eth_getLogs" && call.params?.[0]?.fromBlock !== undefined) {
                const fromBlock = Number(call.params[0].fromBlock);
                const toBlock = Number(call.params[0].toBlock);
                const refused = toBlock - fromBlock + 1 > maxLogRange;
                logQueries.push({ fromBlock, toBlock, refused });
                if (refused) {
                  return {
                    jsonrpc: "2.0",
                    id: call.id,
                    error: { code: -32005, message: "query returned more than 10000 results" },
                  };
                }
              }
              const response = await fetch(upstream, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(call),
                signal: AbortSignal.timeout(10_000),
              });
              return (await response.json()) as unknown;
            },
          ),
        );
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
      })().catch((error: unknown) => {
        res.writeHead(502);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logQueries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
