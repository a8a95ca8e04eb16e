// From the probe's raw run records to the profile (infra/config/profile.ts) and its human summary: pure.
import { type AppProfile, profileSchema, type TaskProfile } from "../../infra/config/profile";
import type { Samples } from "./samples";

/** One sample run, as the probe measured it inside its fresh child (bytes, seconds). */
export interface RunRecord {
  /** Index of the call in the samples file. */
  readonly index: number;
  readonly task: string;
  readonly pid: number;
  /** The worker main process that forked the child. */
  readonly ppid: number;
  readonly rssBefore: number;
  /** ru_maxrss at task_postrun (the high-water mark was reset to the RSS at task_prerun). */
  readonly peakAfter: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** The child's USS right after the task (not part of the profile: printed for comparison). */
  readonly ussAfter: number;
}

/** Redis used_memory per queued message of one call of the samples file. */
export interface MessageFigure {
  readonly index: number;
  readonly bytes: number;
}

export interface WorkerFigures {
  readonly parentRssBytes: number;
  readonly childUssBytes: number;
  readonly childRssBytes: number;
}

/** One reading of the idle worker by the client's "memory" op (bytes). */
export interface IdleReading {
  readonly parentRss: number;
  readonly childRss: number;
  readonly childUss: number;
}

/**
 * The idle worker, twice: at start (a child forked by a cold main process, which then finishes its own start-up)
 * and after the runs (a fresh child of the warmed-up main process, which shares more). Each figure is the
 * larger of the two, so that a pool sized from the profile fits both kinds of children.
 */
export function idleFigures(cold: IdleReading, warm: IdleReading): WorkerFigures {
  return {
    parentRssBytes: Math.max(cold.parentRss, warm.parentRss),
    childUssBytes: Math.max(cold.childUss, warm.childUss),
    childRssBytes: Math.max(cold.childRss, warm.childRss),
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of nothing");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds to the millisecond: finer digits are noise from the event loop. */
const ms = (s: number): number => Math.round(s * 1000) / 1000;

/** What one run's memory rose above the child's size before it: never negative (counters are approximate). */
export const riseOf = (run: RunRecord): number => Math.max(0, run.peakAfter - run.rssBefore);

/** One task name's profile from all its runs (several calls of the samples file may name it). */
export function summariseTask(runs: readonly RunRecord[], messageBytes: number): TaskProfile {
  if (runs.length === 0) throw new Error("a task without runs");
  const seconds = runs.map((r) => r.seconds);
  return {
    samples: runs.length,
    peakBytes: Math.max(...runs.map(riseOf)),
    seconds: { median: ms(median(seconds)), max: ms(Math.max(...seconds)) },
    cpuSeconds: ms(median(runs.map((r) => r.cpuSeconds))),
    // The largest call of the task: a queue backlog is sized by its biggest messages.
    messageBytes: Math.max(1, Math.ceil(messageBytes)),
  };
}

/** The whole profile, validated against profileSchema (a bug here must not write a file the planner refuses). */
export function buildProfile(input: {
  readonly samples: Samples;
  readonly measuredAt: Date;
  readonly worker: WorkerFigures;
  readonly runs: readonly RunRecord[];
  readonly messages: readonly MessageFigure[];
}): AppProfile {
  const { samples, runs, messages } = input;
  const tasks: Record<string, TaskProfile> = {};
  for (const name of [...new Set(samples.calls.map((c) => c.task))]) {
    const indexes = new Set(samples.calls.flatMap((c, i) => (c.task === name ? [i] : [])));
    const bytes = messages.filter((m) => indexes.has(m.index)).map((m) => m.bytes);
    if (bytes.length === 0) throw new Error(`no message size measured for ${name}`);
    tasks[name] = summariseTask(
      runs.filter((r) => indexes.has(r.index)),
      Math.max(...bytes),
    );
  }
  const profile: AppProfile = {
    version: 1,
    image: samples.image,
    app: samples.app,
    measuredAt: input.measuredAt.toISOString(),
    worker: {
      parentRssBytes: Math.round(input.worker.parentRssBytes),
      childUssBytes: Math.round(input.worker.childUssBytes),
      childRssBytes: Math.round(input.worker.childRssBytes),
    },
    tasks,
  };
  const parsed = profileSchema.safeParse(profile);
  if (!parsed.success) throw new Error(`calibrate built an invalid profile: ${parsed.error.message}`);
  return parsed.data;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
}

/** The summary printed after a run: the worker's sizes, one row per task, and the command to use the profile. */
export function formatSummary(profile: AppProfile, outFile: string): string {
  const w = profile.worker;
  const rows = [
    ["task", "samples", "peak MiB", "median s", "max s", "CPU s", "message B"],
    ...Object.entries(profile.tasks).map(([name, t]) => [
      name,
      String(t.samples),
      mib(t.peakBytes),
      t.seconds.median.toFixed(3),
      t.seconds.max.toFixed(3),
      t.cpuSeconds.toFixed(3),
      String(t.messageBytes),
    ]),
  ];
  return [
    `queuekit calibrate — ${profile.app} in ${profile.image}`,
    "",
    `worker main process RSS ${mib(w.parentRssBytes)} MiB; idle child USS ${mib(w.childUssBytes)} MiB, RSS ${mib(w.childRssBytes)} MiB`,
    "",
    ...table(rows),
    "",
    `wrote ${outFile}; use it with:`,
    `  pulumi config set --path 'queuekit:workers[0].profile' ${outFile}`,
  ].join("\n");
}
