// Celery workers through the real Pulumi CLI and dockerd: tasks from the host, planned limits,
// per-child recycling, an OOM-killed task redelivered a bounded number of times, nothing lost or doubled.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, leftovers, ok, repo, TestStack, testStackName } from "./harness";

const PORT = 26380;
interface Outputs {
  redisUrl: string;
  redisContainer: string;
  workerContainers: string[];
  workerNodes: string[];
  memoryPlan: {
    workers: { limit: { bytes: number; mib: number }; memorySwap: { bytes: number }; maxMemoryPerChildKiB: number }[];
  };
}
interface TaskResult {
  id: string;
  state: string;
  result: unknown;
}

/** Run test/e2e/celery_client.py with Debian's python3 (python3-celery) against the stack's Redis. */
function celery<T>(request: object): T {
  const r = spawnSync("/usr/bin/python3", [path.join(repo, "test/e2e/celery_client.py")], {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `celery client failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe("celery worker pool, end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  const call = (name: string, args: unknown[] = [], kwargs: object = {}) => ({ name, args, kwargs });

  before(() => {
    // A small pool so that the memory tests are quick: 2 children of 96 MiB each.
    stack = demoPoolStack(testStackName("workers"), PORT, ["concurrency: 2", "perChildMemory: 96MiB"]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    // Wait until the worker answers a ping (it starts after Redis is healthy).
    for (let i = 0; i < 60; i++) {
      if (celery<unknown>({ broker, inspect: out.workerNodes[0] })) break;
      spawnSync("sleep", ["1"]);
    }
  });
  after(() => stack?.dispose());

  it("docker inspect shows the planned limits on every worker container", () => {
    out.workerContainers.forEach((name, i) => {
      const c = inspect<{ HostConfig: { Memory: number; MemorySwap: number } }>(name);
      assert.equal(c.HostConfig.Memory, out.memoryPlan.workers[i].limit.bytes);
      assert.equal(c.HostConfig.MemorySwap, out.memoryPlan.workers[i].memorySwap.bytes);
    });
  });

  it("prefork children are the OOM killer's first choice, not the worker's main process", () => {
    const container = out.workerContainers[0];
    const { pool } = celery<{ pool: { processes: number[] } }>({ broker, inspect: out.workerNodes[0] });
    const adj = (pid: number | string) => Number(docker(`exec ${container} cat /proc/${pid}/oom_score_adj`));
    assert.equal(adj(1), 0, "the main process keeps the container's score");
    assert.ok(pool.processes.length > 0);
    for (const pid of pool.processes) assert.equal(adj(pid), 500, `child ${pid}`);
  });

  it("the container's healthcheck reads the Liveness file the worker's event loop keeps fresh", () => {
    const container = out.workerContainers[0];
    const health = () => inspect<{ State: { Health?: { Status: string } } }>(container).State.Health?.Status;
    // Docker runs the first check one interval (30 s) after the start.
    for (let i = 0; i < 90 && health() !== "healthy"; i++) spawnSync("sleep", ["1"]);
    assert.equal(health(), "healthy");
    const age = Number(docker(`exec ${container} sh -c 'echo $(( $(date +%s) - $(stat -c %Y /tmp/queuekit-alive) ))'`));
    assert.ok(age >= 0 && age <= 12, `touched every 10 s, last ${age} s ago`);
  });

  it("tasks submitted from the host return correct results", () => {
    const results = celery<TaskResult[]>({
      broker,
      calls: [...Array(20).keys()].map((i) => call("demo.add", [i, 1000])),
    });
    assert.deepEqual(
      results.map((r) => r.result),
      [...Array(20).keys()].map((i) => i + 1000),
    );
  });

  it("a child that outgrew --max-memory-per-child is replaced after its task; the worker keeps serving", () => {
    const limitMiB = out.memoryPlan.workers[0].maxMemoryPerChildKiB / 1024;
    const [big] = celery<TaskResult[]>({
      broker,
      calls: [call("demo.alloc", [Math.ceil(limitMiB) + 8], { keep: true })],
    });
    assert.equal(big.state, "SUCCESS");
    const pid = (big.result as { pid: number }).pid;
    let processes: number[] = [];
    for (let i = 0; i < 20; i++) {
      processes = celery<{ pool: { processes: number[] } }>({ broker, inspect: out.workerNodes[0] }).pool.processes;
      if (!processes.includes(pid)) break;
      spawnSync("sleep", ["0.5"]);
    }
    assert.ok(!processes.includes(pid), `child ${pid} is still in the pool ${processes}`);
    assert.equal(processes.length, 2, "the pool is back to its concurrency");
    console.log(
      `# child ${pid} (${Math.ceil(limitMiB) + 8} MiB kept, limit ${limitMiB.toFixed(1)} MiB) replaced by ${processes}`,
    );
    const [after] = celery<TaskResult[]>({ broker, calls: [call("demo.add", [1, 2])] });
    assert.equal(after.result, 3);
  });

  it("a task above the container limit is OOM-killed, retried a bounded number of times, then failed; the rest run exactly once", async () => {
    const container = out.workerContainers[0];
    const limitMiB = out.memoryPlan.workers[0].limit.mib;
    const since = Math.floor(Date.now() / 1000);

    const tokens = [...Array(40).keys()].map((i) => `t${process.pid}-${i}`);
    const calls = [
      ...tokens.slice(0, 20).map((t) => call("demo.record", [t])),
      call("demo.alloc", [limitMiB + 64], { hold_seconds: 1 }),
      ...tokens.slice(20).map((t) => call("demo.record", [t])),
    ];
    const results = celery<TaskResult[]>({ broker, calls, timeout: 240 });
    const until = Math.floor(Date.now() / 1000) + 1;
    const oom = results[20];
    assert.equal(oom.state, "FAILURE", JSON.stringify(oom));
    assert.match(String(oom.result), /DeliveredTooOften/);

    const executed = docker(
      `exec ${out.redisContainer} sh -c 'redis-cli -p ${PORT} --no-auth-warning -a "$(sed -n "s/^requirepass //p" /usr/local/etc/redis/redis.conf)" lrange queuekit:demo:executed 0 -1'`,
    )
      .split("\n")
      .filter((t) => t.startsWith(`t${process.pid}-`));
    const counts = new Map<string, number>();
    for (const t of executed) counts.set(t, (counts.get(t) ?? 0) + 1);
    const lost = tokens.filter((t) => !counts.has(t));
    const duplicated = tokens.filter((t) => (counts.get(t) ?? 0) > 1);
    const state = inspect<{ RestartCount: number; State: { OOMKilled: boolean; Running: boolean } }>(container);
    const events = docker(
      `events --since ${since} --until ${until} --filter container=${container} --format '{{.Action}}'`,
    );
    const oomEvents = events.split("\n").filter((a) => a === "oom").length;
    const killedChildren = (
      docker(`logs --since ${since} ${container} 2>&1`).match(/exited with 'signal 9 \(SIGKILL\)'/g) ?? []
    ).length;
    console.log(
      `# OOM: ${oomEvents} oom events, ${killedChildren} children killed by SIGKILL, container running=${state.State.Running} restarts=${state.RestartCount} ` +
        `(the kernel killed the child, not the container); lost ${lost.length}, duplicated ${duplicated.length} of ${tokens.length}`,
    );
    assert.ok(oomEvents >= 1, "the kernel OOM-killed inside the worker container");
    assert.ok(killedChildren >= 1 && state.State.Running, "a child was killed, the worker survived");
    assert.deepEqual({ lost, duplicated }, { lost: [], duplicated: [] });
    assert.ok(results.every((r, i) => i === 20 || r.state === "SUCCESS"));
  });

  it("a second up reports no changes, destroy leaves nothing", () => {
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const down = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(leftovers(stack.name), []);
    ok("true");
  });
});
