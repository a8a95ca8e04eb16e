import { celeryPoolFlagsConsistent } from "../../rules";
import { T, workerContainer } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const celeryPoolFlagsConsistentCases: RuleCases = {
  rule: celeryPoolFlagsConsistent,
  cases: [
    pass("prefork with per-child flags", [workerContainer("w")]),
    pass("gevent without them", [
      workerContainer("w", ["celery", "-A", "app", "worker", "--pool=gevent", "--concurrency=200"]),
    ]),
    fail(
      "gevent with --max-memory-per-child",
      [workerContainer("w", ["celery", "-A", "app", "worker", "--pool=gevent", "--max-memory-per-child=100000"])],
      /--max-memory-per-child has no effect with --pool gevent/,
    ),
    fail(
      "threads with --autoscale and --max-tasks-per-child",
      [
        workerContainer("w", [
          "celery",
          "-A",
          "app",
          "worker",
          "-P",
          "threads",
          "--autoscale",
          "10,2",
          "--max-tasks-per-child",
          "5",
        ]),
      ],
      /--max-tasks-per-child, --autoscale have no effect with --pool threads/,
    ),
    fail(
      "solo with concurrency",
      [workerContainer("w", ["celery", "-A", "app", "worker", "-Psolo", "-c4"])],
      /--pool solo runs one task at a time; --concurrency 4 is ignored/,
    ),
    fail(
      "eventlet concurrency above the cap",
      [workerContainer("w", ["celery", "-A", "app", "worker", "-P", "eventlet", "-c", "5000"])],
      /--concurrency 5000 with --pool eventlet exceeds 1000/,
    ),
    fail(
      "the kit's WorkerPool",
      [
        {
          type: T.pool,
          name: "pool",
          props: { pool: "gevent", concurrency: 50, memoryBytes: 2 ** 28, maxMemoryPerChildKiB: 1000 },
        },
      ],
      /WorkerPool inputs: `WorkerPool`: --max-memory-per-child has no effect/,
    ),
  ],
};
