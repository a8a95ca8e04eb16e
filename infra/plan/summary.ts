import type { MemoryPlan } from "./types";

/** The plan in MiB as plain JSON, for a stack output (`pulumi stack output memoryPlan`). */
export interface PlanSummary {
  readonly hostMiB: number;
  readonly reserveMiB: number;
  readonly headroomMiB: number;
  readonly redis: { readonly limitMiB: number; readonly maxmemoryMiB: number; readonly policy: string };
  readonly workers: readonly {
    readonly name: string;
    readonly pool: string;
    readonly limitMiB: number;
    readonly memorySwapMiB: number;
    readonly concurrency: number;
    readonly replicas: number;
    readonly maxMemoryPerChildKiB: number | null;
  }[];
  readonly monitoringMiB: number | null;
}

export function planSummary(plan: MemoryPlan): PlanSummary {
  return {
    hostMiB: plan.host.memory.mib,
    reserveMiB: plan.host.reserve.mib,
    headroomMiB: plan.headroom.mib,
    redis: { limitMiB: plan.redis.limit.mib, maxmemoryMiB: plan.redis.maxmemory.mib, policy: plan.redis.policy },
    workers: plan.workers.map((w) => ({
      name: w.name,
      pool: w.pool,
      limitMiB: w.limit.mib,
      memorySwapMiB: w.memorySwap.mib,
      concurrency: w.concurrency,
      replicas: w.replicas,
      maxMemoryPerChildKiB: w.pool === "prefork" ? w.maxMemoryPerChildKiB : null,
    })),
    monitoringMiB: plan.monitoring?.limit.mib ?? null,
  };
}
