import type { AppProfile, TaskProfile } from "../config/profile";
import type { PoolKind, WorkerPoolConfig } from "../config/types";
import { ceilMiB, MiB } from "../config/units";
import type { MemoryClass, WorkerPoolPlan } from "./types";

// What each worker pool asks for before the planner gives it a concurrency: from a measured profile when the
// pool has one, else from default budgets. A measured app with light and heavy tasks becomes two pools.

export const POOL_DEFAULTS = {
  perChildMemory: 128 * MiB,
  parentMemory: 96 * MiB,
  /** Per greenlet/thread: the working set of one I/O-bound task. */
  perTaskMemory: 4 * MiB,
  /** The solo pool runs its one task in the main process, sized like a prefork child. */
  soloTaskMemory: 128 * MiB,
  /** Durations unknown: 1 left a late-acking prefork worker idle between short tasks (measured <17 vs 222 tasks/s). */
  prefetchMultiplier: 2,
} as const;

/** --max-memory-per-child as a share of what a child may grow: Celery checks it only after a task ends. */
export const CHILD_RECYCLE_RATIO = 0.85;
/** On measured peaks: a sample call is rarely the largest input the task will see. */
export const PEAK_SAFETY = 1.1;
/** On a measured idle parent: it grows a little with connections and bookkeeping. */
export const PARENT_SAFETY = 1.1;
/** Per measured child: code paged in on first use, allocator arenas, a task's own connections. */
export const CHILD_SLACK = 8 * MiB;
/**
 * A pool's limit above parent + children: at least `min` or `share`. Measured pools carry their slack per child
 * (PEAK_SAFETY, CHILD_SLACK): their margin only covers the container's socket buffers and page cache.
 */
export const POOL_MARGIN = { min: 32 * MiB, share: 0.1, measuredMin: 16 * MiB, measuredShare: 0.03 } as const;
/** A task is heavy when one run raises a child by more than this (and more than the child's own size). */
export const HEAVY_PEAK = 32 * MiB;
/** kombu's Redis transport can leave a late-acking worker idle for one hub poll (1 s) before it fetches again. */
export const POLL_GAP_S = 1;
/** Tasks this long hide the gap: one message per process is enough. */
export const LONG_TASK_S = 10;
/** Measured on this kit's demo (docs/memory-plan.md): 8–16 removes the gaps; more only moves messages out of Redis. */
export const MAX_PREFETCH = 16;
/** Default recycling backstop; with a profile a child is recycled after about RECYCLE_EVERY_S of work instead. */
export const MAX_TASKS_PER_CHILD = 200;
export const RECYCLE_EVERY_S = 60;
/** Celery 5.2 notices a recycled child on a timer: recycling every few ms-long tasks leaves slots empty. */
export const MAX_TASKS_PER_CHILD_CAP = 10_000;

/** The most "auto" may choose without a profile: more prefork children than 2 per CPU only add memory. */
export function autoConcurrencyCap(pool: PoolKind, cpus: number): number {
  const caps: Record<PoolKind, number> = { prefork: 2 * cpus, threads: 4 * cpus, gevent: 100, solo: 1 };
  return caps[pool];
}

/** One planned pool before its concurrency is chosen: the plan's own fields, plus what sizing needs. */
export type PoolSpec = Pick<
  WorkerPoolPlan,
  "source" | "name" | "queues" | "memoryClass" | "tasks" | "why" | "prefetchMultiplier" | "cap"
> & {
  readonly config: WorkerPoolConfig;
  readonly parent: number;
  readonly unit: number;
  /** The least margin above parent + children: smaller when parent and children were measured with their slack. */
  readonly marginMin: number;
  /** …or this share of parent + children, whichever is larger. */
  readonly marginShare: number;
  readonly concurrency: number | "auto";
  /** Prefork: resident KiB a child may reach before it is replaced. */
  readonly recycleKiB: number;
  readonly maxTasksPerChild: number;
};

const mib = (bytes: number): string => `${Math.round((bytes / MiB) * 10) / 10} MiB`;
const seconds = (s: number): string => (s < 1 ? `${Math.round(s * 1000)} ms` : `${Math.round(s * 10) / 10} s`);

/** Reserve enough messages per process to cover one poll gap; long tasks take one at a time. */
export function prefetchFor(medianSeconds: number): number {
  if (medianSeconds >= LONG_TASK_S) return 1;
  return Math.min(MAX_PREFETCH, Math.max(2, 1 + Math.ceil(POLL_GAP_S / Math.max(medianSeconds, 1e-3))));
}

/** Processes per CPU from how much of a task's wall time is CPU time: 2 per CPU when CPU-bound, up to 8 when waiting. */
export function cpuCap(cpus: number, tasks: readonly TaskProfile[]): number {
  const busy = Math.max(...tasks.map((t) => (t.seconds.median > 0 ? t.cpuSeconds / t.seconds.median : 1)));
  return Math.ceil(cpus * Math.min(8, Math.max(2, 2 / Math.max(busy, 0.25))));
}

/** Heavy: one run raises a child by more than HEAVY_PEAK and more than an idle child's own size. */
export const isHeavy = (profile: AppProfile, task: TaskProfile): boolean =>
  task.peakBytes > Math.max(HEAVY_PEAK, profile.worker.childUssBytes);

/** The queue a split pool's heavy tasks are routed to. */
export const heavyQueueOf = (w: WorkerPoolConfig): string => `${w.queues[0]}.heavy`;

/**
 * The planned pools of config.workers[source]: `split` (light, heavy) when a measured app has both kinds and the
 * planner chooses the concurrency; `whole` always — the one pool that runs every task (used when a split does not fit).
 */
export function specsOf(
  w: WorkerPoolConfig,
  source: number,
  cpus: number,
): { readonly whole: PoolSpec; readonly split?: readonly [PoolSpec, PoolSpec] } {
  if (!w.profile) return { whole: defaultSpec(w, source, cpus) };
  const profile = w.profile;
  const names = Object.keys(profile.tasks).sort();
  const heavy = names.filter((n) => isHeavy(profile, profile.tasks[n]));
  const light = names.filter((n) => !heavy.includes(n));
  const whole = measuredSpec(w, profile, source, cpus, names, "all", w.queues, w.name);
  if (!(w.pool === "prefork" && w.concurrency === "auto" && heavy.length > 0 && light.length > 0)) return { whole };
  return {
    whole,
    split: [
      measuredSpec(w, profile, source, cpus, light, "light", w.queues, w.name),
      measuredSpec(w, profile, source, cpus, heavy, "heavy", [heavyQueueOf(w)], `${w.name}-heavy`),
    ],
  };
}

function defaultSpec(w: WorkerPoolConfig, source: number, cpus: number): PoolSpec {
  const unit =
    w.pool === "prefork"
      ? (w.perChildMemory ?? POOL_DEFAULTS.perChildMemory)
      : (w.perTaskMemory ?? (w.pool === "solo" ? POOL_DEFAULTS.soloTaskMemory : POOL_DEFAULTS.perTaskMemory));
  const given = w.pool === "prefork" ? w.perChildMemory : w.perTaskMemory;
  return {
    source,
    config: w,
    name: w.name,
    queues: w.queues,
    memoryClass: "all",
    tasks: [],
    parent: w.parentMemory ?? POOL_DEFAULTS.parentMemory,
    unit,
    marginMin: POOL_MARGIN.min,
    marginShare: POOL_MARGIN.share,
    concurrency: w.concurrency,
    cap: autoConcurrencyCap(w.pool, cpus),
    prefetchMultiplier: w.prefetchMultiplier ?? POOL_DEFAULTS.prefetchMultiplier,
    recycleKiB: Math.floor((unit * CHILD_RECYCLE_RATIO) / 1024),
    maxTasksPerChild: (w.pool === "prefork" && w.maxTasksPerChild) || MAX_TASKS_PER_CHILD,
    why: given === undefined ? "default budgets: npm run calibrate sizes the pool from your app" : "budgets as set",
  };
}

function measuredSpec(
  w: WorkerPoolConfig,
  profile: AppProfile,
  source: number,
  cpus: number,
  names: readonly string[],
  memoryClass: MemoryClass,
  queues: readonly string[],
  name: string,
): PoolSpec {
  const { worker } = profile;
  const tasks = names.map((n) => profile.tasks[n]);
  const peak = Math.max(...tasks.map((t) => t.peakBytes));
  const median = Math.max(...tasks.map((t) => t.seconds.median));
  const prefork = w.pool === "prefork";
  // A prefork child costs its private pages plus what a task adds; an in-process task only what it adds.
  const unit = ceilMiB((prefork ? worker.childUssBytes : 0) + peak * PEAK_SAFETY + (prefork ? CHILD_SLACK : MiB));
  const prefetchMultiplier = w.prefetchMultiplier ?? prefetchFor(median);
  const parent = w.parentMemory ?? ceilMiB(worker.parentRssBytes * PARENT_SAFETY);
  const what = memoryClass === "heavy" ? "heavy tasks" : memoryClass === "light" ? "light tasks" : "measured tasks";
  return {
    source,
    config: w,
    name,
    queues,
    memoryClass,
    tasks: names,
    parent,
    unit,
    marginMin: POOL_MARGIN.measuredMin,
    marginShare: POOL_MARGIN.measuredShare,
    concurrency: w.pool === "solo" ? 1 : w.concurrency,
    cap: w.pool === "prefork" ? cpuCap(cpus, tasks) : autoConcurrencyCap(w.pool, cpus),
    prefetchMultiplier,
    // Celery compares a child's peak RSS, and a fork starts with the main process's resident pages: the main
    // process's budget plus the child's, less half the slack — a grown main process or a measured task never trips
    // it (each fork would be recycled after one task), a child's own leak does.
    recycleKiB: Math.floor((parent + unit - CHILD_SLACK / 2) / 1024),
    maxTasksPerChild:
      (w.pool === "prefork" && w.maxTasksPerChild) ||
      Math.min(
        MAX_TASKS_PER_CHILD_CAP,
        Math.max(MAX_TASKS_PER_CHILD, Math.ceil(RECYCLE_EVERY_S / Math.max(median, 1e-3))),
      ),
    why:
      `${what} ${names.join(", ")}: peak ${mib(peak)}, median ${seconds(median)}` +
      (w.prefetchMultiplier === undefined ? `, prefetch ${prefetchMultiplier}` : "") +
      (memoryClass === "heavy" ? ` — routed to queue ${queues[0]}` : ""),
  };
}
