// CIS 5.29's PIDs bound per container: tasks (processes and threads) each kit process tree was measured to hold,
// with headroom. Figures and how they were measured: docs/hardening.md.
import type { WorkerPoolPlan } from "../plan/types";

/** redis-server (main, 3 bio threads, jemalloc's), a BGREWRITEAOF/BGSAVE child, the healthcheck's sh | redis-cli. */
export const REDIS_PIDS_LIMIT = 64;
/** The Go exporter (GOMAXPROCS + runtime threads) and its wget healthcheck. */
export const EXPORTER_PIDS_LIMIT = 64;
/** Prometheus (Go: GOMAXPROCS + runtime and TSDB compaction threads) and its wget healthcheck. */
export const PROMETHEUS_PIDS_LIMIT = 128;

/** The Celery parent's own threads (timers, result handler, supervisor, heartbeat) and the healthcheck's sh. */
const WORKER_BASE_PIDS = 48;
/** Per child process (prefork) or per thread/greenlet slot: the child and the threads an app's task may start. */
const WORKER_PIDS_PER_SLOT = 8;

/** A worker container's bound: the base, then per slot at the pool's largest size (autoscale's max). */
export function workerPidsLimit(plan: Pick<WorkerPoolPlan, "concurrency">): number {
  if (!Number.isInteger(plan.concurrency) || plan.concurrency < 1)
    throw new Error(`workerPidsLimit: concurrency ${plan.concurrency} is not a whole number ≥ 1 — plan the pool first`);
  return WORKER_BASE_PIDS + WORKER_PIDS_PER_SLOT * plan.concurrency;
}
