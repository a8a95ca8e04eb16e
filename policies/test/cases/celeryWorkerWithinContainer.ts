import { celeryWorkerWithinContainer } from "../../rules";
import { T, unknown, workerContainer } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const argv = (...flags: string[]) => ["celery", "-A", "app", "worker", ...flags];

export const celeryWorkerWithinContainerCases: RuleCases = {
  rule: celeryWorkerWithinContainer,
  cases: [
    pass("4 × 150 MiB + parent in 1 GiB", [workerContainer("w")]),
    pass("no --max-memory-per-child: 64 MiB per child assumed", [
      workerContainer("w", argv("-c", "4", "--max-tasks-per-child", "100")),
    ]),
    pass("a gevent pool is one process", [workerContainer("w", argv("-P", "gevent", "-c", "500"))]),
    fail(
      "8 × 150 MiB in 1 GiB",
      [workerContainer("w", argv("--concurrency", "8", "--max-memory-per-child", "153600"))],
      /8 children × 150 MiB \+ 32 MiB parent \+ 10% headroom = 1\.32 GiB, above the 1 GiB container limit/,
    ),
    fail(
      "autoscale max counts",
      [workerContainer("w", argv("--autoscale=10,2", "--max-memory-per-child=102400"))],
      /10 children × 100 MiB/,
    ),
    fail(
      "no --concurrency",
      [workerContainer("w", argv("--max-memory-per-child", "102400"))],
      /does not set --concurrency/,
    ),
    fail(
      "assumed per-child size above the limit",
      [workerContainer("w", argv("-c", "20"))],
      /20 children × 64 MiB \(assumed; no --max-memory-per-child\)/,
    ),
    fail(
      "the kit's WorkerPool",
      [
        {
          type: T.pool,
          name: "pool",
          props: {
            pool: "prefork",
            concurrency: 4,
            memoryBytes: 256 * 2 ** 20,
            maxMemoryPerChildKiB: 102400,
            maxTasksPerChild: 100,
          },
        },
      ],
      /WorkerPool inputs: 4 children × 100 MiB/,
    ),
    fail(
      "the container limit unknown",
      [workerContainer("w", undefined, { memory: unknown() })],
      /the container limit: memory is not known/,
    ),
  ],
};
