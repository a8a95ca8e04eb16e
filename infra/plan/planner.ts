import type { PoolKind, QueuekitConfig, RedisConfig, WorkerPoolConfig } from "../config/types";
import { ceilMiB, floorMiB, MiB } from "../config/units";
import { concurrencyText } from "./describe";
import { PlanError, type PlanItem } from "./errors";
import type { ContainerMemory, MemoryPlan, PoolBudget, RedisPlan, Size, WorkerPoolPlan } from "./types";

/**
 * Share of the Redis limit given to `maxmemory`, with or without persistence. Measured (docs/memory-plan.md):
 * when evictions turn result-key memory into queue memory, Redis' RSS reaches 2× used_memory; 50% was OOM-killed.
 */
export const MAXMEMORY_RATIO = 0.4;

/** --max-memory-per-child as a share of the per-child budget: Celery checks it only after a task ends. */
export const CHILD_RECYCLE_RATIO = 0.85;

/** A pool's limit above parent + children: at least 32 MiB or 10%. */
export const POOL_MARGIN = { min: 32 * MiB, share: 0.1 } as const;

/** The most "auto" may choose: more prefork children than 2 per CPU only add memory, not throughput. */
export function autoConcurrencyCap(pool: PoolKind, cpus: number): number {
  const caps: Record<PoolKind, number> = { prefork: 2 * cpus, threads: 4 * cpus, gevent: 100, solo: 1 };
  return caps[pool];
}

const size = (bytes: number): Size => ({ bytes, mib: bytes / MiB });

const container = (limit: number, swap = 0): ContainerMemory => ({
  limit: size(limit),
  memorySwap: size(limit + swap),
});

export type PlannedContainer = {
  /** The config key that sizes it: "redis.memory", "workers[0]", "monitoring.memory". */
  readonly key: string;
  readonly name: string;
  readonly memory: ContainerMemory;
  readonly replicas: number;
} & (
  | { readonly kind: "redis" }
  | { readonly kind: "monitoring" }
  | { readonly kind: "worker"; readonly pool: WorkerPoolPlan }
);

/** Every container of the plan with its replica count, in a fixed order: redis, workers, monitoring. */
export function containersOf(plan: Pick<MemoryPlan, "redis" | "workers" | "monitoring">): PlannedContainer[] {
  const { redis, workers, monitoring } = plan;
  return [
    { kind: "redis", key: "redis.memory", name: "redis", memory: redis, replicas: 1 },
    ...workers.map((w, i) => ({
      kind: "worker" as const,
      key: `workers[${i}]`,
      name: w.name,
      memory: w,
      replicas: w.replicas,
      pool: w,
    })),
    ...(monitoring
      ? [{ kind: "monitoring" as const, key: "monitoring.memory", name: "monitoring", memory: monitoring, replicas: 1 }]
      : []),
  ];
}

/** Σ container limits × replicas. */
const containerTotal = (containers: readonly PlannedContainer[]): number =>
  sum(containers.map((c) => c.memory.limit.bytes * c.replicas));

/**
 * Decides every byte of the host: reserve, Redis limit and maxmemory, each pool's limit and
 * concurrency, monitoring and what is left. Throws PlanError when the limits do not fit.
 */
export function planMemory(config: QueuekitConfig): MemoryPlan {
  const host = floorMiB(config.host.memory);
  const reserve = ceilMiB(config.host.reserve);
  const redis = planRedis(config.redis);
  const monitoring = config.monitoring.enabled ? container(floorMiB(config.monitoring.memory)) : undefined;

  // Fixed pools first; "auto" pools then split what is left equally per replica.
  const fixed = config.workers.map((w) => (w.concurrency === "auto" ? 0 : poolLimit(w, w.concurrency) * w.replicas));
  const autoReplicas = config.workers.reduce((n, w) => n + (w.concurrency === "auto" ? w.replicas : 0), 0);
  const free = host - reserve - redis.limit.bytes - (monitoring?.limit.bytes ?? 0) - sum(fixed);
  const share = autoReplicas ? floorMiB(free / autoReplicas) : 0;
  const workers = config.workers.map((w) => planPool(w, config.host.cpus, share));

  const used = reserve + containerTotal(containersOf({ redis, workers, monitoring }));
  const plan: MemoryPlan = {
    host: {
      memory: size(host),
      cpus: config.host.cpus,
      reserve: size(reserve),
      swapFile: size(floorMiB(config.host.swapFile)),
    },
    redis,
    workers,
    monitoring,
    headroom: size(host - used),
  };
  checkFits(plan);
  return plan;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function planRedis(redis: RedisConfig): RedisPlan {
  const limit = floorMiB(redis.memory);
  return {
    ...container(limit),
    maxmemory: size(floorMiB(limit * MAXMEMORY_RATIO)),
    maxmemoryRatio: MAXMEMORY_RATIO,
    policy: redis.maxmemoryPolicy,
    persistence: redis.persistence,
  };
}

const perUnit = (w: WorkerPoolConfig): number => (w.pool === "prefork" ? w.perChildMemory : w.perTaskMemory);

/** Container limit for `concurrency` children/tasks: parent + n × per-unit + margin, up to whole MiB. */
function poolLimit(w: WorkerPoolConfig, concurrency: number): number {
  const need = w.parentMemory + concurrency * perUnit(w);
  return ceilMiB(need + Math.max(POOL_MARGIN.min, need * POOL_MARGIN.share));
}

/** The most children/tasks whose limit fits `share`, capped; 1 when none fits (the fit check then refuses). */
function mostThatFit(w: WorkerPoolConfig, cap: number, share: number): number {
  let n = 1;
  while (n < cap && poolLimit(w, n + 1) <= share) n++;
  return n;
}

function planPool(w: WorkerPoolConfig, cpus: number, share: number): WorkerPoolPlan {
  const auto = w.concurrency === "auto";
  const concurrency =
    w.concurrency === "auto" ? mostThatFit(w, autoConcurrencyCap(w.pool, cpus), share) : w.concurrency;
  const limit = poolLimit(w, concurrency);
  const budget: PoolBudget = {
    parent: w.parentMemory,
    perUnit: perUnit(w),
    margin: limit - w.parentMemory - concurrency * perUnit(w),
  };
  const common = {
    name: w.name,
    ...container(limit, floorMiB(w.swap)),
    concurrency,
    auto,
    replicas: w.replicas,
    prefetchMultiplier: w.prefetchMultiplier,
    budget,
  };
  if (w.pool !== "prefork") return { ...common, pool: w.pool };
  return {
    ...common,
    pool: "prefork",
    autoscale: w.autoscale,
    maxMemoryPerChildKiB: Math.floor((w.perChildMemory * CHILD_RECYCLE_RATIO) / 1024),
    maxTasksPerChild: w.maxTasksPerChild,
  };
}

// What a container asks for, and what to lower, in a refused plan's table.
function itemFor(c: PlannedContainer): PlanItem {
  const bytes = c.memory.limit.bytes * c.replicas;
  const each = `${c.replicas} × ${c.memory.limit.mib} MiB`;
  if (c.kind === "redis") return { key: c.key, asked: each, bytes, change: "lower redis.memory" };
  if (c.kind === "monitoring") {
    return { key: c.key, asked: each, bytes, change: "lower monitoring.memory, or monitoring.enabled: false" };
  }
  const w = c.pool;
  const knob = w.pool === "prefork" && w.autoscale ? "autoscale.max, " : w.auto ? "" : "concurrency, ";
  const unit = w.pool === "prefork" ? "perChildMemory" : "perTaskMemory";
  return {
    key: c.key,
    asked: `${c.name}: ${each}, ${concurrencyText(w)}`,
    bytes,
    change: `lower ${knob}${unit}, parentMemory or replicas`,
  };
}

function checkFits(plan: MemoryPlan): void {
  if (plan.headroom.bytes < 0) {
    const reserve: PlanItem = {
      key: "host.reserve",
      asked: "OS, dockerd, kernel, page cache",
      bytes: plan.host.reserve.bytes,
      change: "lower host.reserve (default 256MiB + host.memory/16)",
    };
    throw new PlanError("memory", [reserve, ...containersOf(plan).map(itemFor)], {
      key: "host.memory",
      bytes: plan.host.memory.bytes,
      change: "or raise host.memory",
    });
  }
  const swap: PlanItem[] = plan.workers.flatMap((w, i) => {
    const each = w.memorySwap.bytes - w.limit.bytes;
    const item = { key: `workers[${i}].swap`, asked: `${w.replicas} × ${each / MiB} MiB`, bytes: each * w.replicas };
    return each ? [{ ...item, change: "lower swap or replicas" }] : [];
  });
  if (sum(swap.map((item) => item.bytes)) > plan.host.swapFile.bytes) {
    throw new PlanError("swap", swap, {
      key: "host.swapFile",
      bytes: plan.host.swapFile.bytes,
      change: "or raise host.swapFile",
    });
  }
}
