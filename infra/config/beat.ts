// Celery beat, the stack's one scheduler: its keys, their form, plain defaults and parsed type. It runs the app of
// one worker pool (its image, app and celeryconfig); the schedule comes from here (beat_schedule), the app, or both.
import { z } from "zod";
import { MiB } from "./units";
import { bool, issue, size, strict, text } from "./zod";

/** One periodic task of beat.schedule, rendered into Celery's beat_schedule. */
export interface BeatEntry {
  /** The entry's name in beat_schedule (default: the task name). */
  readonly name: string;
  /** The registered task name, e.g. "proj.tasks.cleanup". */
  readonly task: string;
  /** Seconds between two runs. */
  readonly every: number;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The queue it is sent to; absent: where the app's task_routes send it. */
  readonly queue?: string;
}

export interface BeatConfig {
  readonly enabled: boolean;
  /** Name of the worker pool whose image, app and settings beat runs with; absent: the first of workers. */
  readonly pool?: string;
  /** Container limit, in bytes. */
  readonly memory: number;
  /** Directory in the image, writable by its user, where the schedule state (last run times) is kept on a volume. */
  readonly stateDir: string;
  readonly schedule: readonly BeatEntry[];
}

// "30s", "5m", "1h30m", "1d", or a whole number of seconds.
const DURATION = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const EVERY_FORM = 'seconds (a whole number from 1), or a duration like "30s", "5m", "1h30m", "1d"';

/** Seconds of an interval: a whole number, or d/h/m/s parts largest first; undefined when not one. */
export function intervalSeconds(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 1 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((part) => Number(part ?? 0));
  const seconds = ((d * 24 + h) * 60 + min) * 60 + s;
  return seconds >= 1 ? seconds : undefined;
}

const every = z.unknown().transform((value, ctx) => {
  const seconds = intervalSeconds(value);
  if (seconds === undefined) {
    issue(ctx, `expected ${EVERY_FORM}`);
    return z.NEVER;
  }
  return seconds;
});

// A Celery task name: dotted Python identifiers (what @app.task registers), e.g. "proj.tasks.cleanup".
const TASK_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const POOL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const entry = strict("a beat.schedule entry", {
  name: text('a name of the entry, e.g. "nightly-cleanup"', /^[^\s"'\\][^"'\\]{0,99}$/).optional(),
  task: text('a registered Celery task name, e.g. "proj.tasks.cleanup"', TASK_NAME),
  every,
  args: z.array(z.unknown(), { error: 'expected a list of JSON values, e.g. [1, "a"]' }).default([]),
  kwargs: z
    .record(z.string(), z.unknown(), { error: 'expected an object of JSON values, e.g. {"days": 7}' })
    .default({}),
  queue: text('a queue name, e.g. "celery"', /^[^\s"'\\]+$/).optional(),
}).transform(
  (e): BeatEntry => ({ ...e, name: e.name ?? e.task, ...(e.queue === undefined ? {} : { queue: e.queue }) }),
);

export const beatSchema: z.ZodType<BeatConfig> = strict("beat", {
  enabled: bool().default(false),
  pool: text('the name of one of workers[], e.g. "default"', POOL_NAME).optional(),
  // A beat process is the app imported once, like a pool's parent: the demo's measured 42 MiB RSS (docs/memory-plan.md).
  memory: size(48 * MiB, " (the demo app's beat alone is 42 MiB resident)").default(96 * MiB),
  stateDir: text(
    'an absolute directory path inside the image of letters, digits, "/", ".", "_" or "-", e.g. "/var/lib/celery-beat"',
    /^\/[A-Za-z0-9._/-]*$/,
  ).default("/var/lib/celery-beat"),
  schedule: z.array(entry, { error: "expected a list of {task, every, args?, kwargs?, queue?, name?}" }).default([]),
})
  .superRefine((b, ctx) => {
    // Two entries of one name: beat_schedule is a dict, the second would silently replace the first.
    const seen = new Set<string>();
    b.schedule.forEach((e, i) => {
      if (seen.has(e.name))
        issue(ctx, `a second entry named "${e.name}": give each entry its own name`, ["schedule", i, "name"]);
      seen.add(e.name);
    });
  })
  .prefault({});

/** Which pool beat runs with, or a problem naming beat.pool: it must be one of the pools' names. */
export function beatPoolIssue(
  beat: BeatConfig,
  poolNames: readonly string[],
): { readonly path: readonly PropertyKey[]; readonly message: string } | undefined {
  if (!beat.enabled || beat.pool === undefined || poolNames.includes(beat.pool)) return undefined;
  return {
    path: ["beat", "pool"],
    message: `no worker pool of that name; beat runs the app of one of workers[]: ${poolNames.map((n) => JSON.stringify(n)).join(", ")}`,
  };
}
