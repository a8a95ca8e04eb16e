import { celeryWorkerRecycling } from "../../rules";
import { container, T, workerContainer } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const celeryWorkerRecyclingCases: RuleCases = {
  rule: celeryWorkerRecycling,
  cases: [
    pass("both flags", [workerContainer("w")]),
    pass("a gevent pool (no children)", [
      workerContainer("w", ["celery", "-A", "app", "worker", "-P", "gevent", "-c", "100"]),
    ]),
    pass("not a worker: celery beat", [container("beat", { command: ["celery", "-A", "worker", "beat"] })]),
    fail(
      "neither flag",
      [workerContainer("w", ["celery", "-A", "app", "worker", "-c", "2"])],
      /prefork worker `celery -A app worker -c 2` has no --max-tasks-per-child and no --max-memory-per-child/,
    ),
    fail(
      "inside sh -c, with python -m celery",
      [
        workerContainer("w", [
          "sh",
          "-c",
          "exec python3 -m celery -A app worker --concurrency=2 --max-tasks-per-child=100",
        ]),
      ],
      /has no --max-memory-per-child/,
    ),
    pass(
      "only tasks required by config",
      [workerContainer("w", ["celery", "-A", "app", "worker", "-c", "2", "--max-tasks-per-child", "50"])],
      { config: { requireMaxMemoryPerChild: false } },
    ),
    fail(
      "the kit's WorkerPool",
      [
        {
          type: T.pool,
          name: "pool",
          props: { pool: "prefork", concurrency: 2, memoryBytes: 2 ** 29, maxMemoryPerChildKiB: 100000 },
        },
      ],
      /WorkerPool inputs: .*no --max-tasks-per-child/,
    ),
  ],
};
