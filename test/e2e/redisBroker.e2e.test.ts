// RedisBroker through the real CLI and dockerd: limits and maxmemory as planned, auth enforced,
// and what happens when the queue fills the planned maxmemory (noeviction, then volatile-lru).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { docker, inspect, ok, pythonJson, TestStack, testStackName } from "./harness";

const PORT = 26381;
interface Outputs {
  redisUrl: string;
  redisContainer: string;
  memoryPlan: { redis: { limit: { bytes: number }; maxmemory: { bytes: number }; policy: string } };
}

const fill = <T>(request: object): T => pythonJson<T>("redis_fill.py", request);

const redisCli = (args: string, auth = true) =>
  spawnSync("bash", ["-c", `redis-cli -p ${PORT} ${auth ? `--no-auth-warning -a "$QK_PW"` : ""} ${args}`], {
    encoding: "utf8",
    env: { ...process.env, QK_PW: password },
  });
let password = "";

describe("redis broker, end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  let url: string;
  let message: string;
  const setPolicy = (policy: string) => (yaml: string) =>
    yaml
      .replace("port: 16379", `port: ${PORT}`)
      .replace("port: 19121", `port: ${PORT + 10000}`) // the exporter, beside a running `npm run up`
      .replace("bind: 127.0.0.1", `bind: 127.0.0.1\n    memory: 64MiB\n    maxmemoryPolicy: ${policy}`);
  const deploy = () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    password = decodeURIComponent(new URL(out.redisUrl).password);
    url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${PORT}/0`;
  };

  before(() => {
    stack = new TestStack(testStackName("redis"), "Pulumi.local.yaml", setPolicy("noeviction"));
    deploy();
  });
  after(() => stack?.dispose());

  it("runs with the planned limits, maxmemory and policy", () => {
    const c = inspect<{ HostConfig: { Memory: number; MemorySwap: number } }>(out.redisContainer);
    assert.equal(c.HostConfig.Memory, out.memoryPlan.redis.limit.bytes);
    assert.equal(c.HostConfig.MemorySwap, out.memoryPlan.redis.limit.bytes);
    assert.equal(redisCli("config get maxmemory").stdout.split("\n")[1], String(out.memoryPlan.redis.maxmemory.bytes));
    assert.equal(redisCli("config get maxmemory-policy").stdout.split("\n")[1], "noeviction");
  });

  it("refuses a command without the password; the password is in no inspect, state, output or log", () => {
    assert.match(redisCli("set x 1", false).stdout, /NOAUTH/);
    assert.ok(!docker(`inspect ${out.redisContainer}`).includes(password), "docker inspect");
    const state = ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout;
    assert.ok(!state.includes(password), "pulumi state");
    assert.ok(!stack.pulumi("stack output --json").stdout.includes(password), "stack outputs");
    assert.ok(!stack.pulumi("up --yes --skip-preview --refresh").stdout.includes(password), "pulumi up output");
    assert.ok(!docker(`logs ${out.redisContainer} 2>&1`).includes(password), "redis log");
  });

  it("wiping commands are off, INFO and CONFIG GET still work for monitoring", () => {
    assert.match(redisCli("flushall").stdout, /unknown command/i);
    assert.match(redisCli("info memory").stdout, /used_memory:/);
  });

  it("noeviction: a full queue refuses new writes, and every message queued before is still there", () => {
    message = fill<{ message: string; bytes: number }>({ url, op: "capture" }).message;
    const r = fill<{
      pushed: number;
      llen: number;
      error: string;
      before: { used_memory: number };
      after: { used_memory: number; maxmemory: number };
    }>({ url, op: "queue", message });
    assert.match(r.error, /OOM command not allowed/);
    assert.equal(
      inspect<{ RestartCount: number }>(out.redisContainer).RestartCount,
      0,
      "Redis stayed inside its limit",
    );
    assert.equal(r.llen, r.pushed, "every acknowledged message is still queued");
    const perMessage = (r.after.used_memory - r.before.used_memory) / r.pushed;
    console.log(
      `# noeviction: ${r.pushed} Celery messages (${Buffer.byteLength(message)} B body) fit in maxmemory ` +
        `${(r.after.maxmemory / 2 ** 20).toFixed(1)} MiB: ${perMessage.toFixed(0)} B of Redis memory per message`,
    );
  });

  it("volatile-lru (after a redeploy that restarts Redis): only results with a TTL are evicted, never the queue", () => {
    const queuedBefore = Number(redisCli("llen fill").stdout.trim());
    const idBefore = inspect<{ Id: string }>(out.redisContainer).Id;
    stack.rewrite(setPolicy("volatile-lru"));
    deploy();
    assert.notEqual(inspect<{ Id: string }>(out.redisContainer).Id, idBefore, "a new redis.conf restarts Redis");
    assert.equal(redisCli("config get maxmemory-policy").stdout.split("\n")[1], "volatile-lru");
    assert.equal(
      Number(redisCli("llen fill").stdout.trim()),
      queuedBefore,
      "the AOF kept the queue across the restart",
    );

    redisCli("del fill");
    const results = fill<{ written: number; left: number; batch_errors: number; evicted_keys: number }>({
      url,
      op: "results",
      count: 150_000,
    });
    assert.equal(results.batch_errors, 0, "writing results never fails: old results make room");
    assert.ok(results.evicted_keys > 0 && results.left < results.written, JSON.stringify(results));
    const q = fill<{ pushed: number; llen: number; error: string; after: { evicted_keys: number } }>({
      url,
      op: "queue",
      message,
    });
    assert.equal(q.llen, q.pushed, "no queued message was evicted");
    assert.match(q.error, /OOM command not allowed/, "once no result is left to evict, new tasks are refused");
    const state = inspect<{ RestartCount: number; State: { OOMKilled: boolean } }>(out.redisContainer);
    assert.deepEqual(
      { restarts: state.RestartCount, oomKilled: state.State.OOMKilled },
      { restarts: 0, oomKilled: false },
    );
    console.log(
      `# volatile-lru: ${results.written} results written, ${results.left} kept, ${q.after.evicted_keys} evicted in all; ` +
        `then ${q.pushed} messages queued, none evicted`,
    );
  });
});
