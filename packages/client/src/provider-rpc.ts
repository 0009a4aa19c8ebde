// JSON-RPC to provider nodes over fetch (Node and browser), with a per-request timeout.
import type { Hex } from "viem";

/** A failure talking to a provider: a timeout, a transport error or a JSON-RPC error object. */
export class ProviderCallError extends Error {
  override name = "ProviderCallError";
  constructor(
    readonly kind: "timeout" | "error",
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

let nextId = 1;

/** Posts one JSON-RPC request to `url`; resolves with `result` or throws ProviderCallError. */
export async function providerRequest(
  url: string,
  method: string,
  params: unknown,
  timeoutMs: number,
): Promise<unknown> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw new ProviderCallError("timeout", `no answer within ${timeoutMs} ms`);
    throw new ProviderCallError("error", `cannot reach ${url}: ${(error as Error).message}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (error) {
    if (signal.aborted) throw new ProviderCallError("timeout", `no complete answer within ${timeoutMs} ms`);
    throw new ProviderCallError(
      "error",
      `HTTP ${res.status} with a body that is not JSON: ${(error as Error).message}`,
    );
  }
  if (typeof body !== "object" || body === null)
    throw new ProviderCallError("error", "the answer is not a JSON object");
  const { result, error } = body as { result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (error !== undefined) {
    const code = typeof error.code === "number" ? error.code : undefined;
    throw new ProviderCallError("error", `provider error ${String(error.code)}: ${String(error.message)}`, code);
  }
  if (result === undefined) throw new ProviderCallError("error", "the answer has neither result nor error");
  return result;
}

/** The params of verity_call: the signed transaction and, for a priced method, a voucher. */
export interface CallParams {
  tx: Hex;
  voucher?: { channelId: Hex; cumulativeAmount: string; signature: Hex };
}
