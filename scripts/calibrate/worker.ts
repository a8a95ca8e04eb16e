// The calibration worker as the kit would deploy it: the kit's own celeryconfig and argv, with
// concurrency 1 and --max-tasks-per-child 1 so that every sample run gets a fresh child.
import type { PreforkPoolConfig } from "../../infra/config/types";
import type { PreforkPoolPlan } from "../../infra/plan/types";
import { renderCeleryConfig, workerArgv } from "../../infra/render/celery";
import type { Samples } from "./samples";

/** The queue the worker consumes: its own, so the app's task_routes cannot send a sample elsewhere. */
export const CALIBRATE_QUEUE = "queuekit.calibrate";
export const PROBE_MODULE = "queuekit_calibrate_probe";
export const CONFIG_DIR = "/etc/queuekit";

const MiB = 2 ** 20;
// No child is recycled for its size (64 GiB) and the container has no limit: a sample must run to its peak.
const UNLIMITED_KIB = 64 * 2 ** 20;

export function calibrationPool(samples: Samples): PreforkPoolConfig {
  return {
    name: "calibrate",
    image: samples.image,
    // Read by the components only: the calibration worker is a plain `docker run` of the image, as its own user.
    runAs: "",
    app: samples.app,
    queues: [CALIBRATE_QUEUE],
    pool: "prefork",
    concurrency: 1,
    parentMemory: 96 * MiB,
    perChildMemory: 128 * MiB,
    prefetchMultiplier: 1,
    maxTasksPerChild: 1,
    replicas: 1,
    serializer: samples.serializer,
    swap: 0,
    // The hard limit is the run timeout: a stuck sample ends as a failure, not as a hung calibration.
    timeLimit: Math.ceil(samples.timeoutSeconds),
  };
}

/** The plan fields the celeryconfig and argv renderers read; the rest of a plan is the planner's business. */
export type RenderedPlan = Pick<
  PreforkPoolPlan,
  "pool" | "queues" | "concurrency" | "prefetchMultiplier" | "maxTasksPerChild" | "maxMemoryPerChildKiB" | "autoscale"
>;

export function calibrationPlan(): RenderedPlan {
  return {
    pool: "prefork",
    queues: [CALIBRATE_QUEUE],
    concurrency: 1,
    prefetchMultiplier: 1,
    maxTasksPerChild: 1,
    maxMemoryPerChildKiB: UNLIMITED_KIB,
  };
}

// No planner ran: the renderers get a plan of the fields they read (pinned by test/unit/calibrate-worker.test.ts).
const asPlan = (plan: RenderedPlan): PreforkPoolPlan => plan as PreforkPoolPlan;

export function calibrationConfig(samples: Samples, brokerUrl: string): string {
  return renderCeleryConfig({
    stack: "calibrate",
    pool: calibrationPool(samples),
    plan: asPlan(calibrationPlan()),
    brokerUrl,
    // The throw-away Redis has no maxmemory: nothing to keep free.
    publishHeadroomBytes: 0,
  });
}

export function calibrationArgv(samples: Samples, nodeName: string): string[] {
  return [...workerArgv(calibrationPool(samples), asPlan(calibrationPlan()), nodeName), "--include", PROBE_MODULE];
}
