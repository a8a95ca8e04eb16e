// Defaults that depend on other keys (the plain ones are `.default(...)` in schema.ts). Sizes the plan
// decides (the host reserve, a share of the host, pool budgets) are not here: see infra/plan/.
import type { Autoscale, Connection, PoolKind } from "./types";

/** Kernel default since Linux 5.4: the kit never lowers it, and raises it to Redis' tcp-backlog. */
export const KERNEL_SOMAXCONN = 4096;

export const defaultSomaxconn = (redisTcpBacklog: number): number => Math.max(KERNEL_SOMAXCONN, redisTcpBacklog);

/** daemon.json is managed on a VPS (ssh), never on the local target whose engine is this machine's. */
export const defaultManageDaemonJson = (connection: Connection): boolean => connection.kind === "ssh";

/** Redis' share of host.memory when redis.memory is not set. */
export const REDIS_SHARE = 0.25;

/** The concurrency a pool is sized for: autoscale.max when autoscaled, 1 for solo, else as written or "auto". */
export function poolConcurrency(
  pool: PoolKind,
  concurrency: number | "auto" | undefined,
  autoscale: Autoscale | undefined,
): number | "auto" {
  if (pool === "solo") return 1;
  return autoscale?.max ?? concurrency ?? "auto";
}
