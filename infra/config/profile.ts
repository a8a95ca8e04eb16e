import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";

// A measured profile of one Celery app in one image, written by `npm run calibrate` (scripts/calibrate/).
// The planner sizes a pool from it instead of the default guesses; every number is bytes or seconds.

/** What one task name cost when calibrate ran its sample calls. */
export interface TaskProfile {
  /** Sample runs measured. */
  readonly samples: number;
  /** The most a child's resident memory rose above its idle size during one run (bytes). */
  readonly peakBytes: number;
  /** Wall-clock seconds of one run: median and max. */
  readonly seconds: { readonly median: number; readonly max: number };
  /** CPU seconds (user + system) of one run, median: with `seconds`, how CPU-bound the task is. */
  readonly cpuSeconds: number;
  /** Bytes one queued message of this task takes in Redis (used_memory per message, measured). */
  readonly messageBytes: number;
}

export interface AppProfile {
  readonly version: 1;
  /** The image and app measured: a pool running anything else must be measured again. */
  readonly image: string;
  readonly app: string;
  /** ISO time of the measurement. */
  readonly measuredAt: string;
  readonly worker: {
    /** Resident memory of an idle worker main process (consumer + pool supervisor). */
    readonly parentRssBytes: number;
    /** Private memory (USS) of an idle prefork child: what each extra child adds to the container. */
    readonly childUssBytes: number;
    /** Resident memory (RSS, shared pages included) of an idle child: what --max-memory-per-child compares. */
    readonly childRssBytes: number;
  };
  /** By Celery task name, e.g. "proj.tasks.resize". */
  readonly tasks: Readonly<Record<string, TaskProfile>>;
}

const bytes = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

const taskSchema = z.strictObject({
  samples: z.number().int().positive(),
  peakBytes: bytes,
  seconds: z.strictObject({ median: seconds, max: seconds }),
  cpuSeconds: seconds,
  messageBytes: z.number().int().positive(),
});

export const profileSchema = z.strictObject({
  version: z.literal(1),
  image: z.string().min(1),
  app: z.string().min(1),
  measuredAt: z.string().min(1),
  worker: z.strictObject({
    parentRssBytes: z.number().int().positive(),
    childUssBytes: z.number().int().positive(),
    childRssBytes: z.number().int().positive(),
  }),
  tasks: z.record(z.string().min(1), taskSchema).refine((t) => Object.keys(t).length > 0, "no task was measured"),
}) satisfies z.ZodType<AppProfile>;

export type ProfileRead = { ok: true; profile: AppProfile } | { ok: false; reason: string };

/** Reads and validates a profile file (relative paths from `baseDir`); never throws. */
export function readProfile(file: string, baseDir: string): ProfileRead {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch {
    return { ok: false, reason: `no profile at ${full}: measure the app first with npm run calibrate` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `${full} is not JSON (${(error as Error).message}): run npm run calibrate again` };
  }
  const parsed = profileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      reason: `${full} is not a queuekit profile (${first.path.join(".") || "top level"}: ${first.message}): run npm run calibrate again`,
    };
  }
  return { ok: true, profile: parsed.data };
}
