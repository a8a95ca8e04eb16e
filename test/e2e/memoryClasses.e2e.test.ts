// A measured app (profiles/demo.json) through the real Pulumi CLI and dockerd: the planner splits the pool into a
// light and a heavy pool, renders task_routes, and each task runs where its measured memory was planned.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, leftovers, repo, TestStack, testStackName } from "./harness";

const PORT = 26420;

interface PoolOut {
  name: string;
  queues: string[];
  memoryClass: string;
  tasks: string[];
  prefetchMultiplier: number;
  concurrency: number;
  limit: { bytes: number };
}
interface Outputs {
  redisUrl: string;
  workerContainers: string[];
  taskRoutes: Record<string, string>;
  memoryPlan: { workers: PoolOut[]; redis: { backlog?: { messages: number } } };
}

const sleep = (s: number) => spawnSync("sleep", [String(s)]);

describe("memory classes from a measured profile, end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  const profile = JSON.parse(readFileSync(path.join(repo, "profiles/demo.json"), "utf8")) as {
    tasks: Record<string, { messageBytes: number }>;
  };

  before(() => {
    stack = demoPoolStack(testStackName("classes"), PORT, ["profile: profiles/demo.json"]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
  });
  after(() => {
    stack?.dispose();
    if (stack) assert.deepEqual(leftovers(stack.name), []);
  });

  it("plans a light pool and a heavy pool, each with its own queue, prefetch and limit", () => {
    const [light, heavy] = out.memoryPlan.workers;
    assert.deepEqual(
      [light.name, light.memoryClass, light.queues, light.tasks],
      ["default", "light", ["celery"], ["demo.light"]],
    );
    assert.deepEqual(
      [heavy.name, heavy.memoryClass, heavy.queues, heavy.tasks],
      ["default-heavy", "heavy", ["celery.heavy"], ["demo.heavy"]],
    );
    assert.ok(light.prefetchMultiplier > heavy.prefetchMultiplier, "short tasks reserve more messages");
    assert.deepEqual(out.taskRoutes, { "demo.heavy": "celery.heavy" });
    const backlog = out.memoryPlan.redis.backlog?.messages ?? 0;
    assert.ok(backlog > 1000, `a backlog is planned (${backlog} messages)`);
    console.log(
      `# light ×${light.concurrency} prefetch ${light.prefetchMultiplier}, heavy ×${heavy.concurrency} prefetch ${heavy.prefetchMultiplier}; backlog ${backlog} messages of ≤ ${Math.max(...Object.values(profile.tasks).map((t) => t.messageBytes))} B`,
    );
  });

  it("each container runs its pool's queue and limit", () => {
    assert.equal(out.workerContainers.length, 2);
    out.workerContainers.forEach((name, i) => {
      const c = inspect<{ Config: { Cmd: string[] }; HostConfig: { Memory: number } }>(name);
      const pool = out.memoryPlan.workers[i];
      const cmd = c.Config.Cmd.join(" ");
      assert.match(cmd, new RegExp(`-Q ${pool.queues.join(",").replace(".", "\\.")} `));
      assert.match(cmd, new RegExp(`--prefetch-multiplier ${pool.prefetchMultiplier} `));
      assert.equal(c.HostConfig.Memory, pool.limit.bytes);
    });
  });

  it("the app routes each task to its class with the rendered celeryconfig: heavy ones run only in the heavy pool", () => {
    const [lightContainer, heavyContainer] = out.workerContainers;
    const send = [
      "import queuekit_celeryconfig as c",
      "from demo import heavy, light",
      "ledger = c.broker_url.rsplit('/', 1)[0] + '/15'",
      "for i in range(3): heavy.delay(token=f'h{i}', ledger=ledger, mib=40, hold_seconds=0.2)",
      "for i in range(20): light.delay(token=f'l{i}', ledger=ledger)",
    ].join("\n");
    docker(`exec ${lightContainer} python3 -c "${send}"`);
    const count = [
      "import queuekit_celeryconfig as c, redis",
      "r = redis.Redis.from_url(c.broker_url.rsplit('/', 1)[0] + '/15')",
      "print(r.hlen('queuekit:ledger'))",
    ].join("\n");
    let done = 0;
    for (let i = 0; i < 60 && done < 23; i++) {
      done = Number(docker(`exec ${lightContainer} python3 -c "${count}"`));
      if (done < 23) sleep(0.5);
    }
    assert.equal(done, 23, "every task ran");
    const logs = (name: string) => spawnSync("docker", ["logs", name], { encoding: "utf8" }).stderr;
    const heavyLog = logs(heavyContainer);
    const lightLog = logs(lightContainer);
    assert.equal((heavyLog.match(/demo\.heavy\[[^\]]+\] succeeded/g) ?? []).length, 3, heavyLog);
    assert.doesNotMatch(lightLog, /demo\.heavy\[/, "no heavy task reached the light pool");
    assert.doesNotMatch(heavyLog, /demo\.light\[/, "no light task reached the heavy pool");
  });
});
