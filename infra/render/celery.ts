import type { WorkerPoolConfig } from "../config/types";
import type { WorkerPoolPlan } from "../plan/types";
import { fill, readTemplate } from "./template";

/** Hard time limit when the config sets none: a stuck task must not hold a child forever. */
export const DEFAULT_TIME_LIMIT_S = 1800;
/** Seconds Docker waits after SIGTERM beyond the longest task, so a warm shutdown can finish it. */
export const STOP_GRACE_S = 30;

export const timeLimitOf = (pool: WorkerPoolConfig): number => pool.timeLimit ?? DEFAULT_TIME_LIMIT_S;
export const softTimeLimitOf = (pool: WorkerPoolConfig): number =>
  pool.softTimeLimit ?? Math.floor(timeLimitOf(pool) * 0.9);
/** Docker's stop timeout: longer than the longest task's (soft) limit. */
export const stopTimeoutOf = (pool: WorkerPoolConfig): number => timeLimitOf(pool) + STOP_GRACE_S;
/** Redelivery of an unacknowledged task: well after the hard limit killed it. */
export const visibilityTimeoutOf = (pool: WorkerPoolConfig): number => 2 * timeLimitOf(pool) + STOP_GRACE_S;

/** `celery worker` argv for one pool, every memory flag from the plan. */
export function workerArgv(pool: WorkerPoolConfig, plan: WorkerPoolPlan, nodeName: string): string[] {
  const argv = ["python3", "-m", "celery", "-A", pool.app, "worker", "--pool", plan.pool, "-n", nodeName];
  argv.push("-Q", plan.queues.join(","), "--prefetch-multiplier", String(plan.prefetchMultiplier));
  if (plan.pool === "prefork") {
    if (plan.autoscale) argv.push("--autoscale", `${plan.autoscale.max},${plan.autoscale.min}`);
    else argv.push("--concurrency", String(plan.concurrency));
    argv.push("--max-tasks-per-child", String(plan.maxTasksPerChild));
    argv.push("--max-memory-per-child", String(plan.maxMemoryPerChildKiB));
  } else {
    argv.push("--concurrency", String(plan.concurrency));
  }
  // Without a mingle/gossip exchange a restarting worker starts faster and sends less to Redis.
  argv.push("--without-mingle", "--without-gossip", "--loglevel", "INFO");
  return argv;
}

export interface CeleryConfigInput {
  readonly stack: string;
  readonly pool: WorkerPoolConfig;
  readonly plan: WorkerPoolPlan;
  readonly brokerUrl: string;
  /** Celery task_routes: task name → queue (heavy tasks of a measured app go to their own pool). */
  readonly routes?: Readonly<Record<string, string>>;
  readonly resultExpiresSeconds?: number;
  /** Bytes kept free below Redis' maxmemory: publishing through this config is refused first. */
  readonly publishHeadroomBytes: number;
  /** With redis.tls (a rediss:// broker URL): the CA file Redis' certificate is verified against. */
  readonly tlsCaFile?: string;
}

/**
 * Celery's TLS settings for a rediss:// broker and result backend: verify Redis against the stack's CA. `certReqs`:
 * the Python expression of ssl_cert_reqs — `"required"` where redis-py's asyncio client reads it (it takes a string).
 */
export function tlsBlock(brokerUrl: string, caFile: string | undefined, certReqs = "ssl.CERT_REQUIRED"): string {
  const tls = brokerUrl.startsWith("rediss://");
  if (tls !== (caFile !== undefined))
    throw new Error(
      tls
        ? "a rediss:// broker URL needs the CA file (tlsCaFile)"
        : "tlsCaFile is given but the broker URL is not rediss://",
    );
  if (!caFile) return "";
  const options = `{"ssl_cert_reqs": ${certReqs}, "ssl_ca_certs": ${JSON.stringify(caFile)}}`;
  return [
    "",
    "# redis.tls: Redis listens with TLS only; its certificate must chain to the stack's CA (no unverified fallback).",
    "import ssl  # noqa: E402",
    "",
    `broker_use_ssl = ${options}`,
    `redis_backend_use_ssl = ${options}`,
  ].join("\n");
}

/** The celeryconfig module the worker imports (secret: it holds the broker password). */
export function renderCeleryConfig(input: CeleryConfigInput): string {
  const serializer = input.pool.serializer;
  return fill(readTemplate("celery/celeryconfig.py.tmpl"), {
    stack: input.stack,
    pool: input.pool.name,
    brokerUrl: JSON.stringify(input.brokerUrl),
    serializer,
    acceptContent: JSON.stringify(serializer === "json" ? ["json"] : ["msgpack", "json"]),
    resultExpiresSeconds: input.resultExpiresSeconds ?? 3600,
    prefetchMultiplier: input.plan.prefetchMultiplier,
    taskRoutes: pythonRoutes(input.routes ?? {}),
    publishHeadroomBytes: input.publishHeadroomBytes,
    visibilityTimeoutSeconds: visibilityTimeoutOf(input.pool),
    softTimeLimit: softTimeLimitOf(input.pool),
    timeLimit: timeLimitOf(input.pool),
    tlsBlock: tlsBlock(input.brokerUrl, input.tlsCaFile),
  });
}

/** task_routes as a Python dict literal, sorted so the rendered file is stable. */
function pythonRoutes(routes: Readonly<Record<string, string>>): string {
  const entries = Object.keys(routes)
    .sort()
    .map((task) => `    ${JSON.stringify(task)}: {"queue": ${JSON.stringify(routes[task])}},`);
  return entries.length ? `{\n${entries.join("\n")}\n}` : "{}";
}
