// The kit's component resources as the pack reads them: each type token, and the plain summary (sizes in bytes)
// the component passes as its inputs and registers as its outputs. Never put a secret in a summary.

export const COMPONENT_TOKENS = {
  vpsHost: "queuekit:host:VpsHost",
  redisBroker: "queuekit:redis:RedisBroker",
  workerPool: "queuekit:celery:WorkerPool",
  monitoring: "queuekit:monitoring:Monitoring",
  prometheus: "queuekit:monitoring:Prometheus",
} as const;

export type ThpMode = "never" | "madvise" | "always";

/** queuekit:host:VpsHost — host-memory-budget, host-overcommit-for-redis, host-thp-for-redis. */
export interface VpsHostSummary {
  /** The host's RAM (for host.emulate: the emulated size). */
  readonly memoryBytes: number;
  /** OS, dockerd, sshd, kernel, page cache. */
  readonly reserveBytes: number;
  readonly swapFileBytes?: number;
  readonly connection:
    | { readonly kind: "local" }
    | { readonly kind: "ssh"; readonly host: string; readonly port?: number; readonly user?: string };
  readonly sysctl?: { readonly overcommitMemory?: number; readonly swappiness?: number; readonly somaxconn?: number };
  readonly thp?: ThpMode;
  /** Files it installs (sysctl drop-in, THP unit, daemon.json), by path. */
  readonly files?: Readonly<Record<string, string>>;
}

/** queuekit:redis:RedisBroker — the redis-* rules. */
export interface RedisBrokerSummary {
  readonly memoryBytes: number;
  readonly maxmemoryBytes: number;
  readonly maxmemoryPolicy: string;
  readonly persistence: "none" | "rdb" | "aof";
  readonly auth: boolean;
  readonly publishOn?: string;
}

export type CeleryPool = "prefork" | "threads" | "gevent" | "eventlet" | "solo";

/** queuekit:celery:WorkerPool — the celery-* rules. */
export interface WorkerPoolSummary {
  readonly pool: CeleryPool;
  readonly concurrency: number;
  readonly replicas?: number;
  readonly memoryBytes: number;
  readonly memorySwapBytes?: number;
  readonly maxTasksPerChild?: number;
  readonly maxMemoryPerChildKiB?: number;
  readonly autoscale?: { readonly max: number; readonly min: number };
}

/** A side component (the exporter, Prometheus): its limit and where its port is published. */
export interface SideSummary {
  readonly memoryBytes: number;
  readonly publishOn?: string;
}
