import { layoutOf, type PlacedHost } from "../config/hosts";
import type { QueuekitConfig, RedisConfig, WorkerPoolConfig } from "../config/types";
import { defaultReserve, MAXMEMORY_RATIO } from "../../policies/contract/plan";
import { bytesOf, ceilMiB, floorMiB, MiB } from "../config/units";
import { containersOf, kindOf, type PlannedContainer, planSides } from "./containers";
import { PlanError, type PlanItem } from "./errors";
import { type PoolSpec, specsOf } from "./pools";
import { containerMemory, CPU_SHARES, sizeOf } from "./memory";
import type { Backlog, HostMemoryPlan, MemoryPlan, PoolBudget, RedisPlan, SidePlans, WorkerPoolPlan } from "./types";

export { autoConcurrencyCap, CHILD_RECYCLE_RATIO, POOL_MARGIN } from "./pools";

// maxmemory's share of the Redis limit and the default host reserve: the contract the policy pack quotes.
export { defaultReserve, MAXMEMORY_RATIO } from "../../policies/contract/plan";

/** used_memory of an empty Redis 7 with the kit's clients connected: what a backlog cannot use. */
export const REDIS_BASELINE = MiB;

/**
 * Room below maxmemory that publishing through the kit's celeryconfig never takes: a worker (re)starting on a full
 * Redis needs a few writes (kombu's restore lock, queue bindings, unacked copies) that noeviction would refuse.
 */
export const publishHeadroomOf = (maxmemory: number): number => Math.max(2 * MiB, Math.floor(maxmemory * 0.02));

/** Σ container limits × replicas. */
const containerTotal = (containers: readonly PlannedContainer[]): number =>
  sum(containers.map((c) => c.memory.limit.bytes * c.replicas));

/**
 * Decides every byte of the host Redis runs on (with one `host`, the whole stack): reserve, Redis limit and
 * maxmemory, each pool's limit and concurrency, the side components (each sized by its own descriptor) and what is
 * left. Throws PlanError when the limits do not fit. Several hosts: planHosts (hosts.ts) plans each.
 */
export function planMemory(config: QueuekitConfig): MemoryPlan {
  const plan = planHostMemory(config, layoutOf(config).find((h) => h.redis)!);
  return { ...plan, redis: plan.redis! };
}

/** One host's plan: what is placed on it (Redis only where placed), sized from that host's memory and cpus. */
export function planHostMemory(config: QueuekitConfig, placed: PlacedHost): HostMemoryPlan {
  const { config: hostConfig } = placed;
  const host = floorMiB(hostConfig.memory);
  const reserve = ceilMiB(hostConfig.reserve ?? defaultReserve(hostConfig.memory));
  const redis = placed.redis ? planRedis(config.redis, hostConfig.memory, config.workers) : undefined;
  const sides = sidesOn(placed, planSides(config));
  // The pools share what Redis and the side components leave.
  const free = host - reserve - containerTotal(containersOf({ redis, workers: [], ...sides }));
  const workers = planPools(
    placed.pools.map(({ source, replicas }) =>
      specsOf({ ...config.workers[source]!, replicas }, source, hostConfig.cpus),
    ),
    free,
    hostConfig.cpus,
  );

  const used = reserve + containerTotal(containersOf({ redis, workers, ...sides }));
  const plan: HostMemoryPlan = {
    host: {
      memory: sizeOf(host),
      cpus: hostConfig.cpus,
      reserve: sizeOf(reserve),
      swapFile: sizeOf(floorMiB(hostConfig.swapFile)),
    },
    ...(redis && { redis }),
    workers,
    routes: Object.fromEntries(
      workers.filter((w) => w.memoryClass === "heavy").flatMap((w) => w.tasks.map((task) => [task, w.queues[0]])),
    ),
    ...sides,
    headroom: sizeOf(host - used),
  };
  checkFits(plan, placed);
  return plan;
}

// Beat runs where it is placed; the other side components beside Redis (the exporter reads it, the rest watch it).
function sidesOn(placed: PlacedHost, sides: SidePlans): SidePlans {
  return Object.fromEntries(
    Object.entries(sides).filter(([name]) => (name === "beat" ? placed.beat : placed.redis)),
  ) as SidePlans;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function planRedis(redis: RedisConfig, hostMemory: number, workers: readonly WorkerPoolConfig[]): RedisPlan {
  const limit = floorMiB(bytesOf(redis.memory, hostMemory));
  const maxmemory = floorMiB(limit * MAXMEMORY_RATIO);
  const publishHeadroom = publishHeadroomOf(maxmemory);
  const backlog = backlogOf(maxmemory - publishHeadroom, workers);
  return {
    ...containerMemory(limit, CPU_SHARES.redis),
    maxmemory: sizeOf(maxmemory),
    maxmemoryRatio: MAXMEMORY_RATIO,
    publishHeadroom: sizeOf(publishHeadroom),
    policy: redis.maxmemoryPolicy,
    persistence: redis.persistence,
    ...(backlog && { backlog }),
  };
}

/** Publishing is refused once used_memory passes `ceiling` (maxmemory less the headroom): messages of each measured size that fit. */
function backlogOf(ceiling: number, workers: readonly WorkerPoolConfig[]): Backlog | undefined {
  const measured = workers.flatMap((w) => (w.profile ? Object.entries(w.profile.tasks) : []));
  if (!measured.length) return undefined;
  const byTask = Object.fromEntries(
    measured.map(([task, t]) => [
      task,
      {
        messageBytes: t.messageBytes,
        messages: Math.max(0, Math.floor((ceiling - REDIS_BASELINE) / t.messageBytes)),
      },
    ]),
  );
  return { messages: Math.min(...Object.values(byTask).map((t) => t.messages)), byTask };
}

/** Container limit for `concurrency` children/tasks: parent + n × per-unit + margin, up to whole MiB. */
function limitFor(spec: PoolSpec, concurrency: number): number {
  const need = spec.parent + concurrency * spec.unit;
  return ceilMiB(need + Math.max(spec.marginMin, need * spec.marginShare));
}

/** The most children/tasks (≤ cap) whose limit fits `room`; 1 when none fits (the fit check then refuses). */
function mostThatFit(spec: PoolSpec, room: number, cap = spec.cap): number {
  let n = 1;
  while (n < cap && limitFor(spec, n + 1) <= room) n++;
  return n;
}

/**
 * Fixed pools first; "auto" pools then split what is left equally per replica. A split pool's share goes to its
 * light pool (one child per CPU), then its heavy pool (the most that fit), then back to the light pool; when not
 * even one heavy child fits beside the light pool, the pool stays whole and runs every task.
 */
function planPools(
  pools: readonly { readonly whole: PoolSpec; readonly split?: readonly [PoolSpec, PoolSpec] }[],
  free: number,
  cpus: number,
): WorkerPoolPlan[] {
  const fixed = sum(
    pools.map(({ whole: s }) => (s.concurrency === "auto" ? 0 : limitFor(s, s.concurrency) * s.config.replicas)),
  );
  const autoReplicas = sum(pools.map(({ whole: s }) => (s.concurrency === "auto" ? s.config.replicas : 0)));
  const share = autoReplicas ? floorMiB((free - fixed) / autoReplicas) : 0;
  return pools.flatMap(({ whole, split }) => {
    if (whole.concurrency !== "auto") return [poolPlan(whole, whole.concurrency)];
    if (!split) return [poolPlan(whole, mostThatFit(whole, share))];
    const [light, heavy] = split;
    let lightN = Math.min(light.cap, cpus);
    if (limitFor(light, lightN) + limitFor(heavy, 1) > share) lightN = 1;
    if (limitFor(light, lightN) + limitFor(heavy, 1) > share) return [poolPlan(whole, mostThatFit(whole, share))];
    const heavyN = mostThatFit(heavy, share - limitFor(light, lightN));
    return [poolPlan(light, mostThatFit(light, share - limitFor(heavy, heavyN))), poolPlan(heavy, heavyN)];
  });
}

function poolPlan(s: PoolSpec, concurrency: number): WorkerPoolPlan {
  const w = s.config;
  const limit = limitFor(s, concurrency);
  const budget: PoolBudget = { parent: s.parent, perUnit: s.unit, margin: limit - s.parent - concurrency * s.unit };
  const common = {
    name: s.name,
    source: s.source,
    queues: s.queues,
    memoryClass: s.memoryClass,
    tasks: s.tasks,
    why: s.why,
    ...containerMemory(limit, CPU_SHARES[s.memoryClass], floorMiB(w.swap)),
    concurrency,
    auto: w.concurrency === "auto",
    replicas: w.replicas,
    prefetchMultiplier: s.prefetchMultiplier,
    cap: s.cap,
    budget,
  };
  if (w.pool !== "prefork") return { ...common, pool: w.pool };
  return {
    ...common,
    pool: "prefork",
    autoscale: w.autoscale,
    maxMemoryPerChildKiB: s.recycleKiB,
    maxTasksPerChild: s.maxTasksPerChild,
  };
}

// What a container asks for, and what to lower, in a refused plan's table.
function itemFor(c: PlannedContainer): PlanItem {
  return { key: c.key, bytes: c.memory.limit.bytes * c.replicas, ...kindOf(c).refusal(c) };
}

function checkFits(plan: HostMemoryPlan, placed: PlacedHost): void {
  const at = placed.key === "host" ? undefined : { name: placed.name, key: placed.key };
  if (plan.headroom.bytes < 0) {
    const reserve: PlanItem = {
      key: `${placed.key}.reserve`,
      asked: "OS, dockerd, kernel, page cache",
      bytes: plan.host.reserve.bytes,
      change: `lower ${placed.key}.reserve (default 256MiB + memory/16)`,
    };
    throw new PlanError(
      "memory",
      [reserve, ...containersOf(plan).map(itemFor)],
      { key: `${placed.key}.memory`, bytes: plan.host.memory.bytes, change: `or raise ${placed.key}.memory` },
      at,
    );
  }
  const swap: PlanItem[] = plan.workers.flatMap((w) => {
    const each = w.memorySwap.bytes - w.limit.bytes;
    const item = {
      key: `workers[${w.source}].swap`,
      asked: `${w.replicas} × ${each / MiB} MiB`,
      bytes: each * w.replicas,
    };
    return each ? [{ ...item, change: "lower swap or replicas" }] : [];
  });
  if (sum(swap.map((item) => item.bytes)) > plan.host.swapFile.bytes) {
    throw new PlanError(
      "swap",
      swap,
      { key: `${placed.key}.swapFile`, bytes: plan.host.swapFile.bytes, change: `or raise ${placed.key}.swapFile` },
      at,
    );
  }
}
