import type { Autoscale, InProcessPool, MaxmemoryPolicy, Persistence } from "../config/types";

/** A whole number of MiB, given both ways: bytes for arithmetic, MiB for Docker's Pulumi provider. */
export interface Size {
  readonly bytes: number;
  readonly mib: number;
}

/** What one container gets: Docker's `memory` and `memorySwap` (equal: no swap, unless a pool allows it). */
export interface ContainerMemory {
  readonly limit: Size;
  readonly memorySwap: Size;
}

export interface RedisPlan extends ContainerMemory {
  /** Below the limit: the rest is for fork copy-on-write, client buffers and fragmentation. */
  readonly maxmemory: Size;
  readonly maxmemoryRatio: number;
  readonly policy: MaxmemoryPolicy;
  readonly persistence: Persistence;
}

/** How a pool's limit was reached, in bytes: limit = parent + concurrency × perUnit + margin. */
export interface PoolBudget {
  readonly parent: number;
  /** Per prefork child, or per greenlet/thread/solo task. */
  readonly perUnit: number;
  /** What the limit leaves above parent + children: allocator slack, page cache charged to the container. */
  readonly margin: number;
}

interface PoolPlanCommon extends ContainerMemory {
  readonly name: string;
  /** Resolved: never "auto". With autoscale, autoscale.max. */
  readonly concurrency: number;
  /** True when the planner chose the concurrency ("auto"). */
  readonly auto: boolean;
  readonly replicas: number;
  readonly prefetchMultiplier: number;
  readonly budget: PoolBudget;
}

export interface PreforkPoolPlan extends PoolPlanCommon {
  readonly pool: "prefork";
  readonly autoscale?: Autoscale;
  /** Celery's --max-memory-per-child (KiB, resident): below the per-child budget. */
  readonly maxMemoryPerChildKiB: number;
  readonly maxTasksPerChild: number;
}

export interface InProcessPoolPlan extends PoolPlanCommon {
  readonly pool: InProcessPool;
}

export type WorkerPoolPlan = PreforkPoolPlan | InProcessPoolPlan;

export interface MemoryPlan {
  readonly host: {
    readonly memory: Size;
    readonly cpus: number;
    readonly reserve: Size;
    readonly swapFile: Size;
  };
  readonly redis: RedisPlan;
  /** In the order of config.workers. */
  readonly workers: readonly WorkerPoolPlan[];
  /** Absent when monitoring is disabled. */
  readonly monitoring?: ContainerMemory;
  /** host − reserve − Σ limits × replicas; never negative. */
  readonly headroom: Size;
}
