// When to grow: which of the stack's three limits (Redis backlog, worker memory, CPU) it is closest to, the headroom
// of each as a figure, and what one more host like a current worker host would change — planned, not guessed.
import { KiB, MiB } from "../config/units";
import type { QueuekitConfig } from "../config/types";
import { cpusText, groupDigits, mibText } from "./describe";
import type { HostPlan } from "./hosts";
import { planHostMemory, REDIS_BASELINE } from "./planner";
import { textTable } from "./textTable";
import type { HostMemoryPlan } from "./types";

/** Without a profile: the demo's measured Celery messages are 994 and 1,032 bytes (profiles/demo.json). */
export const NOMINAL_MESSAGE_BYTES = KiB;

export type GrowthLimitName = "redis-backlog" | "worker-memory" | "cpu";

/** What a running stack shows (doctor reads them); without them the plan's own figures are used (an empty Redis). */
export interface MeasuredLoad {
  /** Redis INFO used_memory: what the backlog already takes. */
  readonly redisUsedBytes?: number;
  /** Messages queued (Σ LLEN of the pools' queues), when used_memory is not given. */
  readonly queuedMessages?: number;
}

/** One limit's figures: capacity = used + headroom, in `unit`. */
export interface LimitFigures {
  readonly capacity: number;
  readonly used: number;
  /** capacity − used: negative for CPUs promised beyond what the hosts have. */
  readonly headroom: number;
  /** headroom / capacity: the figure the limits are compared by (lowest = closest). */
  readonly headroomShare: number;
}

export interface GrowthLimit extends LimitFigures {
  readonly limit: GrowthLimitName;
  readonly unit: "messages" | "bytes" | "cpus";
  /** Where the figures come from, and what they mean, in a line. */
  readonly note: string;
  readonly withOneMoreHost: LimitFigures & { readonly note: string };
}

export interface Growth {
  /** In a fixed order: redis-backlog, worker-memory, cpu. */
  readonly limits: readonly GrowthLimit[];
  /** The limit with the least headroom share. */
  readonly closest: GrowthLimit;
  /** The host the added one copies (its memory, cpus and pools with their replicas, never Redis or beat). */
  readonly like: string;
  /** Σ concurrency × replicas over every pool: now, and with the added host. */
  readonly workerSlots: { readonly now: number; readonly withOneMoreHost: number };
}

const figures = (capacity: number, used: number): LimitFigures => ({
  capacity,
  used,
  headroom: capacity - used,
  headroomShare: capacity > 0 ? (capacity - used) / capacity : 0,
});

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Σ concurrency × replicas of a host's pools (autoscale counts its max). */
const slotsOf = (plan: HostMemoryPlan): number => sum(plan.workers.map((w) => w.concurrency * w.replicas));

/** What the pools may use: the host less its reserve, Redis and side components = pool limits + headroom. */
const poolRoomOf = (plan: HostMemoryPlan): number =>
  sum(plan.workers.map((w) => w.limit.bytes * w.replicas)) + plan.headroom.bytes;

/**
 * CPUs the pools keep busy: each pool at its cap (the most children/tasks the planner gives the host's CPUs, from
 * how CPU-bound a profile measured its tasks) counts as all of them; concurrency below the cap, that share.
 */
const busyCpusOf = (plan: HostMemoryPlan): number =>
  plan.host.cpus * sum(plan.workers.map((w) => (w.concurrency * w.replicas) / w.cap));

/** The host an added one copies: the last host running only pools, else the last running any. */
function likeOf(hosts: readonly HostPlan[]): HostPlan | undefined {
  const workerHosts = hosts.filter((h) => h.pools.length > 0);
  return workerHosts.filter((h) => !h.redis).at(-1) ?? workerHosts.at(-1);
}

/**
 * The stack's limits from its plan (planHosts) and, when given, what a running stack measured. One more host is
 * planned like `like`: the same memory, cpus and pools (its own plan: without Redis its "auto" pools may get more).
 */
export function growthOf(config: QueuekitConfig, hosts: readonly HostPlan[], measured: MeasuredLoad = {}): Growth {
  const redisHost = hosts.find((h) => h.redis)!;
  const redis = redisHost.plan.redis!;
  const like = likeOf(hosts);
  const extra = like
    ? planHostMemory(config, {
        name: `another-${like.name}`,
        key: `hosts[${hosts.length}]`,
        config: like.config,
        redis: false,
        beat: false,
        pools: like.pools,
      })
    : undefined;
  const workerPlans = hosts.filter((h) => h.pools.length > 0).map((h) => h.plan);
  const grown = extra ? [...workerPlans, extra] : workerPlans;

  // Redis: the messages that fit below the publish ceiling, at the profile's largest message or the nominal size.
  const measuredSizes = redis.backlog && Object.values(redis.backlog.byTask).map((t) => t.messageBytes);
  const messageBytes = measuredSizes ? Math.max(...measuredSizes) : NOMINAL_MESSAGE_BYTES;
  const room = redis.maxmemory.bytes - redis.publishHeadroom.bytes - REDIS_BASELINE;
  const capacity = redis.backlog?.messages ?? Math.max(0, Math.floor(room / messageBytes));
  const queued =
    measured.redisUsedBytes !== undefined
      ? Math.ceil(Math.max(0, measured.redisUsedBytes - REDIS_BASELINE) / messageBytes)
      : (measured.queuedMessages ?? 0);
  const backlogFigures = figures(capacity, Math.min(queued, capacity));
  const sizeNote = measuredSizes
    ? `${messageBytes} B messages (profile)`
    : `${messageBytes} B messages (nominal: npm run calibrate measures yours)`;
  const loadNote =
    measured.redisUsedBytes !== undefined
      ? `used_memory ${mibText(Math.round(measured.redisUsedBytes / MiB) * MiB)}`
      : measured.queuedMessages !== undefined
        ? `${groupDigits(measured.queuedMessages)} queued`
        : "an empty Redis";
  const backlog: GrowthLimit = {
    limit: "redis-backlog",
    unit: "messages",
    ...backlogFigures,
    note: `maxmemory ${redis.maxmemory.mib} MiB less ${Math.round(redis.publishHeadroom.mib * 10) / 10} MiB publish headroom at ${sizeNote}, ${loadNote}`,
    withOneMoreHost: {
      ...backlogFigures,
      note: "unchanged: Redis stays where it is (a host of its own, placement.redis, or more redis.memory grows it)",
    },
  };

  const memory = (plans: readonly HostMemoryPlan[]) =>
    figures(sum(plans.map(poolRoomOf)), sum(plans.map((p) => poolRoomOf(p) - p.headroom.bytes)));
  const memoryNow = memory(workerPlans);
  const memoryGrown = memory(grown);
  const workerMemory: GrowthLimit = {
    limit: "worker-memory",
    unit: "bytes",
    ...memoryNow,
    note: `pool limits ${mibText(memoryNow.used)} of the ${mibText(memoryNow.capacity)} the hosts leave them`,
    withOneMoreHost: {
      ...memoryGrown,
      note: `pools get ${mibText(memoryGrown.capacity)}: ${mibText(memoryNow.capacity)} + ${mibText(memoryGrown.capacity - memoryNow.capacity)} on the added host`,
    },
  };

  const cpu = (plans: readonly HostMemoryPlan[]) =>
    figures(sum(plans.map((p) => p.host.cpus)), sum(plans.map(busyCpusOf)));
  const cpuNow = cpu(workerPlans);
  const cpuGrown = cpu(grown);
  const round = (n: number) => Math.round(n * 10) / 10;
  const cpuLimit: GrowthLimit = {
    limit: "cpu",
    unit: "cpus",
    ...cpuNow,
    note: `${groupDigits(sum(workerPlans.map(slotsOf)))} worker slots keep ${round(cpuNow.used)} of ${cpusText(cpuNow.capacity)} busy (each pool's cap = all its host's CPUs)`,
    withOneMoreHost: {
      ...cpuGrown,
      note: `${round(cpuGrown.used)} of ${cpusText(cpuGrown.capacity)}`,
    },
  };

  const limits = [backlog, workerMemory, cpuLimit];
  return {
    limits,
    closest: limits.reduce((a, b) => (b.headroomShare < a.headroomShare ? b : a)),
    like: like?.name ?? redisHost.name,
    workerSlots: { now: sum(workerPlans.map(slotsOf)), withOneMoreHost: sum(grown.map(slotsOf)) },
  };
}

const LABELS: Record<GrowthLimitName, string> = {
  "redis-backlog": "Redis backlog",
  "worker-memory": "worker memory",
  cpu: "CPU",
};

function amount(unit: GrowthLimit["unit"], n: number): string {
  if (unit === "bytes") return mibText(Math.round(n / MiB) * MiB);
  if (unit === "cpus") return cpusText(Math.round(n * 10) / 10);
  return groupDigits(Math.round(n));
}

const share = (s: number): string => `${(s * 100).toFixed(1)}%`;

/** The growth figures as a text table, printed under the plan (npm run plan) and by doctor. */
export function renderGrowthTable(growth: Growth): string {
  const rows = growth.limits.flatMap((l) => [
    [
      LABELS[l.limit] + (l === growth.closest ? " ◀ closest" : ""),
      amount(l.unit, l.capacity),
      amount(l.unit, l.used),
      amount(l.unit, l.headroom),
      share(l.headroomShare),
      `${amount(l.unit, l.withOneMoreHost.capacity)} (${share(l.withOneMoreHost.headroomShare)} free)`,
      l.note,
    ],
    ["", "", "", "", "", "", `↳ +1 host: ${l.withOneMoreHost.note}`],
  ]);
  return [
    `when to grow — closest limit: ${LABELS[growth.closest.limit]} (${share(growth.closest.headroomShare)} headroom); ` +
      `one more host like ${growth.like}: worker slots ${growth.workerSlots.now} → ${growth.workerSlots.withOneMoreHost}`,
    "",
    textTable(["limit", "capacity", "used", "headroom", "free", "+1 host", "notes"], rows, [
      "l",
      "r",
      "r",
      "r",
      "r",
      "r",
      "l",
    ]),
  ].join("\n");
}
