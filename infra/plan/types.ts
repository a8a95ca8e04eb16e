import type { SideName } from "../config/sides";
import type { Autoscale, InProcessPool, MaxmemoryPolicy, Persistence } from "../config/types";

/** A whole number of MiB, given both ways: bytes for arithmetic, MiB for Docker's Pulumi provider. */
export interface Size {
  readonly bytes: number;
  readonly mib: number;
}

/**
 * What one container gets: Docker's `memory` and `memorySwap` (equal: no swap, unless a pool allows it), and its CPU
 * weight (`cpuShares`, Docker's default 1024) under contention.
 */
export interface ContainerMemory {
  readonly limit: Size;
  readonly memorySwap: Size;
  readonly cpuShares: number;
}

export interface RedisPlan extends ContainerMemory {
  /** Below the limit: the rest is for fork copy-on-write, client buffers and fragmentation. */
  readonly maxmemory: Size;
  readonly maxmemoryRatio: number;
  /** Kept free below maxmemory: the kit's producers are refused first, so workers can always start and drain. */
  readonly publishHeadroom: Size;
  readonly policy: MaxmemoryPolicy;
  readonly persistence: Persistence;
  /** With a measured profile: how many queued messages fit before publishing is refused. */
  readonly backlog?: Backlog;
}

/** Messages of each measured task that fit between an empty Redis and maxmemory. */
export interface Backlog {
  /** The fewest of any measured task: the backlog the stack holds whatever is queued. */
  readonly messages: number;
  readonly byTask: Readonly<Record<string, { readonly messageBytes: number; readonly messages: number }>>;
}

/** How a pool's limit was reached, in bytes: limit = parent + concurrency × perUnit + margin. */
export interface PoolBudget {
  readonly parent: number;
  /** Per prefork child, or per greenlet/thread/solo task. */
  readonly perUnit: number;
  /** What the limit leaves above parent + children: allocator slack, page cache charged to the container. */
  readonly margin: number;
}

/** Which tasks a pool runs: all of them, or one memory class of a measured app split in two. */
export type MemoryClass = "all" | "light" | "heavy";

interface PoolPlanCommon extends ContainerMemory {
  readonly name: string;
  /** Index of the pool in config.workers that this planned pool comes from (a split pool gives two). */
  readonly source: number;
  readonly queues: readonly string[];
  readonly memoryClass: MemoryClass;
  /** Measured task names this pool is sized for (empty without a profile). */
  readonly tasks: readonly string[];
  /** Why the pool is sized and fed as it is, in a line: the table and picture show it. */
  readonly why: string;
  /** Resolved: never "auto". With autoscale, autoscale.max. */
  readonly concurrency: number;
  /** True when the planner chose the concurrency ("auto"). */
  readonly auto: boolean;
  readonly replicas: number;
  readonly prefetchMultiplier: number;
  /** Most children/tasks "auto" may choose: from the CPUs, and with a profile from how CPU-bound the tasks are. */
  readonly cap: number;
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

/** Each side component's container under its config key (plan.monitoring); absent when its config turns it off. */
export type SidePlans = { readonly [K in SideName]?: ContainerMemory };

/** One host's plan: its reserve, the containers placed on it, what is left. Redis only on the host it is placed on. */
export interface HostMemoryPlan extends SidePlans {
  readonly host: {
    readonly memory: Size;
    readonly cpus: number;
    readonly reserve: Size;
    readonly swapFile: Size;
  };
  readonly redis?: RedisPlan;
  /** In the order of config.workers; a pool split by memory class is followed by its heavy pool. */
  readonly workers: readonly WorkerPoolPlan[];
  /** Celery task_routes: each heavy task of a split pool to its heavy pool's queue. */
  readonly routes: Readonly<Record<string, string>>;
  /** host − reserve − Σ limits × replicas; never negative. */
  readonly headroom: Size;
}

/** The plan of the host Redis runs on: with one `host`, the whole stack's. */
export interface MemoryPlan extends HostMemoryPlan {
  readonly redis: RedisPlan;
}
