import { isPrefork } from "../lib/model/celeryWorkers";
import { celeryWorkersOf } from "../lib/extract/kitComponents";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CELERY_TYPES } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const celeryPoolFlagsConsistent = resourceRule<{ maxInProcessConcurrency: number }>(
  {
    name: "celery-pool-flags-consistent",
    description:
      "Per-child flags (--max-memory-per-child, --max-tasks-per-child, --autoscale) are only used with the prefork pool, which has children.",
    config: {
      maxInProcessConcurrency: {
        type: "integer",
        minimum: 1,
        default: 1000,
        description:
          "Largest --concurrency accepted for gevent/eventlet/threads pools (greenlets/threads in one process).",
      },
    },
    enforcementLevel: "advisory",
    severity: "medium",
    remediation:
      "With --pool gevent/eventlet/threads/solo there are no child processes: Celery ignores --max-memory-per-child, --max-tasks-per-child and --autoscale, so the memory bound you think you have does not exist. Use prefork for CPU-bound or leaky tasks, or size the container for the whole process and drop the flags. `--pool solo` runs one task at a time whatever --concurrency says.",
  },
  CELERY_TYPES,
  async (r, ctx) => {
    const { maxInProcessConcurrency } = ctx.config;
    for (const w of await celeryWorkersOf(r)) {
      if (reportedUnknown(ctx, w.pool, `${w.origin}: the worker pool`)) continue;
      if (isPrefork(w.pool)) continue;
      const pool = w.pool as string;
      const ignored = [
        isKnown(w.maxMemoryPerChildKiB) && "--max-memory-per-child",
        isKnown(w.maxTasksPerChild) && "--max-tasks-per-child",
        isKnown(w.autoscale) && "--autoscale",
      ].filter((f): f is string => typeof f === "string");
      if (ignored.length)
        ctx.violation(
          `${w.origin}: \`${w.command}\`: ${ignored.join(", ")} ${ignored.length > 1 ? "have" : "has"} no effect with --pool ${pool} (no child processes).`,
        );
      if (pool === "solo" && isKnown(w.concurrency) && w.concurrency > 1)
        ctx.violation(`${w.origin}: --pool solo runs one task at a time; --concurrency ${w.concurrency} is ignored.`);
      else if (isKnown(w.concurrency) && w.concurrency > maxInProcessConcurrency)
        ctx.violation(
          `${w.origin}: --concurrency ${w.concurrency} with --pool ${pool} exceeds ${maxInProcessConcurrency}.`,
        );
    }
  },
);
