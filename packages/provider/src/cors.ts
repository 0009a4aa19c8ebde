// Browsers are first-class clients (the SDK runs in web pages), so every route answers cross-origin requests.
// Nothing here is secret or cookie-bound: a call is authorized by its own signature, never by the caller's origin.

const HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "86400",
} as const;

/** The parts of a fastify request and reply the hook touches (kept structural: the app's logger type varies). */
interface HookRequest {
  method: string;
}
interface HookReply {
  headers(values: Record<string, string>): unknown;
  status(code: number): { send(): unknown };
}

/** onRequest hook: CORS headers on every answer; a preflight (OPTIONS) is answered 204 at once. */
export async function answerCrossOrigin(request: HookRequest, reply: HookReply): Promise<unknown> {
  reply.headers(HEADERS);
  // fastify's rule for async hooks: a hook that answers returns the reply, so the route never runs.
  if (request.method === "OPTIONS") return reply.status(204).send();
  return undefined;
}
