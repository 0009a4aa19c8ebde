// The provider's HTTP surface (fastify): JSON-RPC 2.0 at POST /, program bundles, health and metrics.
import Fastify, { LogController } from "fastify";
import type { Logger } from "pino";
import { type Hex, isHex } from "viem";
import { answerCrossOrigin } from "./cors.js";
import type { ProviderMetrics } from "./metrics.js";
import { ProviderRpcError, RpcErrorCode } from "./rpc-errors.js";

/** The JSON-RPC methods a provider serves. */
export interface RpcHandlers {
  verity_call(params: unknown): Promise<unknown>;
  verity_info(params: unknown): Promise<unknown>;
  verity_getResponse(params: unknown): Promise<unknown>;
}

/** What the HTTP layer needs from the node. */
export interface ServerDeps {
  handlers: RpcHandlers;
  programBytes(programHash: Hex): Uint8Array | undefined;
  metrics: ProviderMetrics;
  logger: Logger;
  /** Largest request body in bytes (a signed call carries the whole input). */
  bodyLimit?: number;
  /** Calls waiting for an executor (for /metrics). */
  queueDepth?: () => number;
  /** Extra health facts. */
  health?: () => Record<string, unknown>;
}

interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: string | number | null;
  method: string;
  params?: unknown;
}

const ERROR_NAMES = new Map<number, string>(Object.entries(RpcErrorCode).map(([name, code]) => [code, name]));

function rpcError(id: JsonRpcRequest["id"], code: number, message: string, data?: unknown) {
  return { jsonrpc: "2.0" as const, id, error: data === undefined ? { code, message } : { code, message, data } };
}

function isRequest(value: unknown): value is JsonRpcRequest {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const idOk = v.id === null || typeof v.id === "string" || typeof v.id === "number";
  return v.jsonrpc === "2.0" && typeof v.method === "string" && idOk;
}

/** Builds the fastify app (not yet listening). */
export function createServer(deps: ServerDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimit ?? 2 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger (a pino child per call is measurable at hundreds of calls per second): handlers
    // log through deps.logger, with what they need to say.
    childLoggerFactory: (logger) => logger,
  });
  app.addHook("onRequest", answerCrossOrigin);
  const handlers = new Map<string, (params: unknown) => Promise<unknown>>([
    ["verity_call", (p) => deps.handlers.verity_call(p)],
    ["verity_info", (p) => deps.handlers.verity_info(p)],
    ["verity_getResponse", (p) => deps.handlers.verity_getResponse(p)],
  ]);

  // Malformed JSON must still get a JSON-RPC answer, not fastify's default 400 page.
  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) {
      return reply
        .status(413)
        .send(
          rpcError(
            null,
            RpcErrorCode.InvalidRequest,
            `request body larger than ${deps.bodyLimit ?? 2 * 1024 * 1024} bytes`,
          ),
        );
    }
    if (status === 400 || status === 415) {
      return reply
        .status(200)
        .send(rpcError(null, RpcErrorCode.ParseError, `invalid JSON: ${(error as Error).message}`));
    }
    deps.logger.error({ err: error }, "unhandled server error");
    return reply.status(500).send(rpcError(null, RpcErrorCode.InternalError, "internal error"));
  });

  const answer = async (body: unknown) => {
    if (!isRequest(body)) {
      return rpcError(
        null,
        RpcErrorCode.InvalidRequest,
        'expected a JSON-RPC 2.0 request: {"jsonrpc":"2.0","id":...,"method":...,"params":[...]}',
      );
    }
    const handler = handlers.get(body.method);
    if (handler === undefined) {
      return rpcError(
        body.id,
        RpcErrorCode.MethodNotFound,
        `unknown method ${body.method}; this provider serves ${[...handlers.keys()].join(", ")}`,
      );
    }
    const started = process.hrtime.bigint();
    try {
      const result = await handler(body.params);
      if (body.method === "verity_call") deps.metrics.calls.inc({ outcome: "ok" });
      return { jsonrpc: "2.0" as const, id: body.id, result };
    } catch (error) {
      if (error instanceof ProviderRpcError) {
        if (body.method === "verity_call") deps.metrics.calls.inc({ outcome: ERROR_NAMES.get(error.code) ?? "error" });
        return rpcError(body.id, error.code, error.message, error.data);
      }
      deps.logger.error({ err: error, method: body.method }, "handler failed");
      if (body.method === "verity_call") deps.metrics.calls.inc({ outcome: "InternalError" });
      return rpcError(body.id, RpcErrorCode.InternalError, `internal error: ${(error as Error).message}`);
    } finally {
      if (body.method === "verity_call")
        deps.metrics.callSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  app.post("/", async (request) => {
    const body = request.body;
    if (Array.isArray(body)) {
      if (body.length === 0) return rpcError(null, RpcErrorCode.InvalidRequest, "empty batch");
      if (body.length > 100)
        return rpcError(null, RpcErrorCode.InvalidRequest, `batch of ${body.length} requests; at most 100`);
      return Promise.all(body.map(answer));
    }
    return answer(body);
  });

  app.get<{ Params: { hash: string } }>("/programs/:hash", async (request, reply) => {
    const hash = request.params.hash;
    if (!isHex(hash, { strict: true }) || hash.length !== 66) {
      return reply.status(400).send({ error: `program hash must be 0x and 64 hex digits, got ${hash}` });
    }
    const bytes = deps.programBytes(hash);
    if (bytes === undefined) return reply.status(404).send({ error: `program ${hash} is not held by this provider` });
    return reply.header("content-type", "application/octet-stream").send(Buffer.from(bytes));
  });

  app.get("/health", async () => ({ ok: true, ...(deps.health?.() ?? {}) }));

  app.get("/metrics", async (_request, reply) => {
    deps.metrics.queue.set(deps.queueDepth?.() ?? 0);
    return reply.header("content-type", deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return app;
}
