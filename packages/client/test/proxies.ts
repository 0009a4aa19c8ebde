// Loopback servers that misbehave on purpose: a silent provider, a provider proxy that rewrites answers, and an
// Ethereum RPC proxy that tampers with what anvil says.

import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import { createServer, type Server, type Socket } from "node:net";

/** A TCP server on 127.0.0.1:`port` that accepts connections and never answers. */
export async function startSilentServer(port: number): Promise<{ stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

type Json = Record<string, unknown>;

/**
 * An HTTP JSON-RPC proxy on 127.0.0.1:`port` in front of `target`. `rewrite` may change each (request, response)
 * pair; `seen` counts requests per method.
 */
export async function startJsonRpcProxy(
  port: number,
  target: string,
  rewrite: (request: Json, response: Json) => Json = (_q, r) => r,
): Promise<{ url: string; seen: Map<string, number>; setRewrite(f: typeof rewrite): void; stop(): Promise<void> }> {
  const seen = new Map<string, number>();
  let current = rewrite;
  const one = async (request: Json): Promise<Json> => {
    seen.set(String(request.method), (seen.get(String(request.method)) ?? 0) + 1);
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(20_000),
    });
    return current(request, (await res.json()) as Json);
  };
  const server: HttpServer = createHttpServer((req, res) => {
    void (async () => {
      try {
        const parsed = JSON.parse(await body(req)) as Json | Json[];
        const answer = Array.isArray(parsed) ? await Promise.all(parsed.map(one)) : await one(parsed);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setRewrite(f) {
      current = f;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Flips the lowest bit of the hex digit at `index` (counted after 0x), keeping the string valid hex. */
export function flipHexDigit(hex: string, index: number): string {
  const i = 2 + index;
  const digit = Number.parseInt(hex[i] as string, 16) ^ 1;
  return hex.slice(0, i) + digit.toString(16) + hex.slice(i + 1);
}
