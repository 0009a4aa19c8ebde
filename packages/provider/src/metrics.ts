// Prometheus metrics of a provider node (served at /metrics).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The node's metric set, on its own registry so several nodes can live in one process (tests). */
export class ProviderMetrics {
  readonly registry = new Registry();
  readonly calls = new Counter({
    name: "verity_calls_total",
    help: "verity_call requests by outcome (ok, replay, or the JSON-RPC error name)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly callSeconds = new Histogram({
    name: "verity_call_seconds",
    help: "Wall time of verity_call, validation to durable write",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly executions = new Counter({
    name: "verity_executions_total",
    help: "Program executions by engine (native, vm) and status",
    labelNames: ["engine", "status"] as const,
    registers: [this.registry],
  });
  readonly queue = new Gauge({
    name: "verity_executor_queue",
    help: "Calls waiting for an executor worker",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "verity_" });
  }
}
