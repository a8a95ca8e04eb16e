import { isPrefork } from "../lib/model/celeryWorkers";
import { celeryWorkersOf } from "../lib/extract/kitComponents";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CELERY_TYPES } from "../lib/ruleKit/subjects";

export const celeryWorkerRecycling = resourceRule<{
  requireMaxTasksPerChild: boolean;
  requireMaxMemoryPerChild: boolean;
}>(
  {
    name: "celery-worker-recycling",
    description:
      "Prefork Celery workers recycle their children: --max-tasks-per-child and --max-memory-per-child are set.",
    config: {
      requireMaxTasksPerChild: { type: "boolean", default: true, description: "Require --max-tasks-per-child." },
      requireMaxMemoryPerChild: {
        type: "boolean",
        default: true,
        description: "Require --max-memory-per-child (KiB).",
      },
    },
    enforcementLevel: "advisory",
    severity: "medium",
    remediation:
      "Add `--max-tasks-per-child N` and `--max-memory-per-child KiB` (below the per-child budget of the memory plan) to the worker command. A long-lived child that leaks grows until the container limit, and then the OOM killer takes the whole worker, not just the child. (Settings in the app's config — worker_max_tasks_per_child — are not visible to the pack.)",
  },
  CELERY_TYPES,
  async (r, ctx) => {
    const { requireMaxTasksPerChild, requireMaxMemoryPerChild } = ctx.config;
    for (const w of await celeryWorkersOf(r)) {
      if (reportedUnknown(ctx, w.pool, `${w.origin}: the worker pool`)) continue;
      if (!isPrefork(w.pool)) continue;
      const missing: string[] = [];
      if (
        requireMaxTasksPerChild &&
        !reportedUnknown(ctx, w.maxTasksPerChild, `${w.origin}: --max-tasks-per-child`) &&
        w.maxTasksPerChild === undefined
      )
        missing.push("--max-tasks-per-child");
      if (
        requireMaxMemoryPerChild &&
        !reportedUnknown(ctx, w.maxMemoryPerChildKiB, `${w.origin}: --max-memory-per-child`) &&
        w.maxMemoryPerChildKiB === undefined
      )
        missing.push("--max-memory-per-child");
      if (missing.length)
        ctx.violation(`${w.origin}: prefork worker \`${w.command}\` has no ${missing.join(" and no ")}.`);
    }
  },
);
