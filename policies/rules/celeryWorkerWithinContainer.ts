import { isPrefork } from "../lib/model/celeryWorkers";
import { celeryWorkersOf } from "../lib/extract/kitComponents";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes, KiB, MiB } from "../lib/parse/sizes";
import { CELERY_TYPES } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const celeryWorkerWithinContainer = resourceRule<{
  parentMiB: number;
  assumedChildMiB: number;
  headroomRatio: number;
}>(
  {
    name: "celery-worker-within-container",
    description:
      "A prefork worker's container limit holds the parent plus concurrency × the per-child cap, with headroom.",
    config: {
      parentMiB: {
        type: "number",
        minimum: 0,
        default: 32,
        description: "Memory of the worker's parent process (a bare Python process is ≈19 MiB).",
      },
      assumedChildMiB: {
        type: "number",
        minimum: 0,
        default: 64,
        description: "Per-child memory assumed when --max-memory-per-child is not set.",
      },
      headroomRatio: {
        type: "number",
        minimum: 0,
        default: 0.1,
        description: "Share added on top of parent + children.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "high",
    remediation:
      "Raise the container limit to at least (parent + concurrency × per-child) × (1 + headroom), or lower --concurrency / --autoscale max / --max-memory-per-child. Set --concurrency explicitly: Celery's default is the host's CPU count, which the pack cannot see. When children together outgrow the limit, the OOM killer takes the worker and its in-flight tasks.",
  },
  CELERY_TYPES,
  async (r, ctx) => {
    const { parentMiB, assumedChildMiB, headroomRatio } = ctx.config;
    for (const w of await celeryWorkersOf(r)) {
      if (reportedUnknown(ctx, w.pool, `${w.origin}: the worker pool`)) continue;
      if (!isPrefork(w.pool)) continue;
      if (w.limit === undefined) continue; // container-memory-limit
      if (reportedUnknown(ctx, w.limit, `${w.origin}: the container limit`)) continue;
      if (reportedUnknown(ctx, w.autoscale, `${w.origin}: --autoscale`)) continue;
      if (reportedUnknown(ctx, w.concurrency, `${w.origin}: --concurrency`)) continue;
      const children = isKnown(w.autoscale) ? w.autoscale.max : w.concurrency;
      if (children === undefined) {
        ctx.violation(
          `${w.origin}: \`${w.command}\` does not set --concurrency, so Celery starts one child per CPU of the host; the pack cannot tell whether they fit in ${formatBytes(w.limit)}.`,
        );
        continue;
      }
      if (reportedUnknown(ctx, w.maxMemoryPerChildKiB, `${w.origin}: --max-memory-per-child`)) continue;
      const perChild = w.maxMemoryPerChildKiB !== undefined ? w.maxMemoryPerChildKiB * KiB : assumedChildMiB * MiB;
      const need = Math.ceil((parentMiB * MiB + children * perChild) * (1 + headroomRatio));
      if (w.limit < need) {
        ctx.violation(
          `${w.origin}: ${children} children × ${formatBytes(perChild)}${w.maxMemoryPerChildKiB === undefined ? " (assumed; no --max-memory-per-child)" : ""} + ${parentMiB} MiB parent + ${Math.round(headroomRatio * 100)}% headroom = ${formatBytes(need)}, above the ${formatBytes(w.limit)} container limit.`,
        );
      }
    }
  },
);
