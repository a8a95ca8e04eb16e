// The local stack through the real Pulumi CLI and providers against the real dockerd:
// up → limits as planned → second up changes nothing → refresh sees drift, up repairs it → destroy leaves nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { docker, inspect, leftovers, ok, sh, TestStack, testStackName } from "./harness";

const sysfs = (path: string) => readFileSync(path, "utf8").trim();
const overcommit = () => sysfs("/proc/sys/vm/overcommit_memory");

const MiB = 2 ** 20;

describe("local stack, end to end", () => {
  let stack: TestStack;
  let outputs: {
    memoryPlan: {
      redis: { limit: { bytes: number }; maxmemory: { bytes: number } };
      monitoring: { limit: { bytes: number } };
    };
    redisContainer: string;
    metricsUrl: string;
    alertRules: string;
  };

  let overcommitBefore: string;

  before(() => {
    overcommitBefore = overcommit();
    console.log(`# pulumi CLI: ${ok("pulumi version").stdout.trim()}`);
    // Same config as `npm run up`, on another loopback port so both can run at once.
    stack = new TestStack(testStackName("local"), "Pulumi.local.yaml", (yaml) =>
      yaml.replace("port: 16379", "port: 26379").replace("port: 19121", "port: 29121"),
    );
  });
  after(() => stack?.dispose());

  it("pulumi up creates the network, the volume and a Redis container", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up (create): ${up.seconds.toFixed(1)} s`);
    outputs = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout);
    assert.match(outputs.redisContainer, /^qk-z*e2e-local-\d+-redis$/);
  });

  it("docker inspect shows Memory and MemorySwap equal to the planned bytes", () => {
    const host = inspect<{
      HostConfig: { Memory: number; MemorySwap: number };
      State: { Health?: { Status: string } };
    }>(outputs.redisContainer);
    const planned = outputs.memoryPlan.redis.limit.bytes;
    assert.equal(planned % MiB, 0, "the plan gives whole MiB");
    assert.equal(host.HostConfig.Memory, planned);
    assert.equal(host.HostConfig.MemorySwap, planned, "no swap: memorySwap == memory");
    assert.equal(host.State.Health?.Status, "healthy");
  });

  it("the host is prepared: overcommit on, THP never, containers inside the emulated 2 GiB host", () => {
    assert.equal(overcommit(), "1");
    assert.match(sysfs("/sys/kernel/mm/transparent_hugepage/enabled"), /\[never\]/);
    const parent = inspect<{ HostConfig: { CgroupParent: string } }>(outputs.redisContainer).HostConfig.CgroupParent;
    assert.equal(parent, `/queuekit-${stack.name}`);
    assert.equal(Number(sysfs(`/sys/fs/cgroup/memory${parent}/memory.limit_in_bytes`)), 2 * 1024 * MiB);
    assert.doesNotMatch(docker(`logs ${outputs.redisContainer} 2>&1`), /overcommit|transparent huge pages/i);
  });

  it("the Redis exporter runs within its planned limit and reports Redis' maxmemory and the queue's length", async () => {
    const monitor = `qk-${stack.name}-monitoring`;
    const c = inspect<{ HostConfig: { Memory: number; MemorySwap: number }; Config: { Env: string[]; Cmd: string[] } }>(
      monitor,
    );
    const planned = outputs.memoryPlan.monitoring.limit.bytes;
    assert.deepEqual([c.HostConfig.Memory, c.HostConfig.MemorySwap], [planned, planned]);
    const password = docker(
      `exec ${outputs.redisContainer} sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf`,
    );
    assert.ok(password.length > 0 && !JSON.stringify(c.Config).includes(password), "no password in env or argv");
    assert.equal(outputs.metricsUrl, "http://127.0.0.1:29121/metrics");
    const metrics = await (await fetch(outputs.metricsUrl)).text();
    const value = (name: string): number | undefined => {
      const line = metrics.split("\n").find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    };
    assert.equal(value("redis_up"), 1, "the exporter authenticated to Redis");
    assert.equal(value("redis_memory_max_bytes"), outputs.memoryPlan.redis.maxmemory.bytes);
    assert.equal(value('redis_key_size{db="db0",key="celery"}'), 0, "the queue, empty");
    assert.match(outputs.alertRules, /alert: QueuekitRedisRefusingWrites/);
  });

  it("a second pulumi up reports no changes", () => {
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /\b(created|updated|replaced|deleted)\b/);
    console.log(`# pulumi up (no changes): ${again.seconds.toFixed(1)} s`);
  });

  it("npm run up's pre-flight: clear from the stack's own state; from another checkout's state refused, naming each object", () => {
    const check = `bash scripts/deployed-elsewhere.sh --check ${stack.name}`;
    const own = sh(check, stack.env);
    assert.equal(own.code, 0, own.stderr);
    const otherState = mkdtempSync(path.join(tmpdir(), "qk-other-checkout-"));
    try {
      const other = sh(check, { PULUMI_BACKEND_URL: `file://${otherState}` });
      assert.equal(other.code, 2, other.stdout + other.stderr);
      const named = [...other.stderr.matchAll(/^ {2}(container|network|volume) (\S+)$/gm)].map(
        (m) => `${m[1]} ${m[2]}`,
      );
      assert.ok(named.includes(`container ${outputs.redisContainer}`), other.stderr);
      assert.ok(named.includes(`network qk-${stack.name}`), other.stderr);
      assert.ok(named.includes(`volume qk-${stack.name}-redis-data`), other.stderr);
      assert.match(other.stderr, new RegExp(`stack '${stack.name}' is already deployed on this Docker engine`));
      assert.match(other.stderr, /Nothing was changed/);
      assert.match(other.stderr, /npm run destroy/);
      assert.match(other.stderr, new RegExp(`QUEUEKIT_STACK=<name> npm run up`));
      // Listing mode (what .ci/run uses to deploy beside such a stack) prints the same objects.
      const listed = sh(`bash scripts/deployed-elsewhere.sh ${stack.name}`, {
        PULUMI_BACKEND_URL: `file://${otherState}`,
      });
      assert.deepEqual(listed.stdout.trim().split("\n"), named);
    } finally {
      rmSync(otherState, { recursive: true, force: true });
    }
    assert.equal(sh(`bash scripts/deployed-elsewhere.sh ${stack.name}`, stack.env).code, 1, "nothing elsewhere");
  });

  it("pulumi refresh finds no drift; a limit raised behind Pulumi's back is seen and put back in place", () => {
    const clean = stack.pulumi("refresh --yes --skip-preview --expect-no-changes");
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    const id = inspect<{ Id: string }>(outputs.redisContainer).Id;
    docker(`update --memory 600m --memory-swap 600m ${outputs.redisContainer}`);
    const drift = stack.pulumi("refresh --yes --skip-preview");
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.match(drift.stdout, /~ 1 updated/, "refresh records the drifted limits");
    const repair = stack.pulumi("up --yes --skip-preview");
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.match(repair.stdout, /diff: ~memory,memorySwap/);
    const host = inspect<{ Id: string; HostConfig: { Memory: number; MemorySwap: number } }>(outputs.redisContainer);
    const planned = outputs.memoryPlan.redis.limit.bytes;
    assert.deepEqual([host.HostConfig.Memory, host.HostConfig.MemorySwap], [planned, planned]);
    assert.equal(host.Id, id, "updated in place, not replaced");
  });

  it("pulumi destroy leaves nothing of the stack behind", () => {
    const down = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(leftovers(stack.name), []);
    assert.equal(overcommit(), overcommitBefore, "destroy restored vm.overcommit_memory");
    assert.deepEqual(
      stack.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
  });
});
