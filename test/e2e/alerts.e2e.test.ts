// Alerts proven to fire: a throw-away stack with the exporter and Prometheus (the local image of Debian's package)
// evaluating the rendered alert rules, with short scrape/evaluation intervals and for: windows. Each fault is real —
// the worker container stopped, a queue past monitoring.queueBacklogAlert, Redis filled near and past maxmemory,
// Redis stopped — and Prometheus' /api/v1/alerts must show the matching alert firing, then resolved once the fault is
// undone. Prints each alert's time to fire and to resolve, and Prometheus' memory against its planned limit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { knownImageUser } from "../../infra/config/runAs";
import { demoPoolStack, docker, inspect, leftovers, repo, TestStack, testStackName } from "./harness";

const PORT = 26471; // Redis; the exporter on PORT + 10000 (demoPoolStack)
const PROMETHEUS_PORT = 26472;
const BACKLOG = 20;
const WINDOW = "10s"; // every alert's for:
const INTERVAL = "2s"; // scrape and evaluation

interface Alert {
  readonly labels: { readonly alertname: string; readonly [label: string]: string };
  readonly state: "pending" | "firing";
  readonly activeAt: string;
}

interface Outputs {
  readonly prometheusUrl: string;
  readonly prometheusContainer: string;
  readonly redisContainer: string;
  readonly workerContainers: string[];
  readonly redisMaxmemory: number;
  readonly memoryPlan: { readonly prometheus: { readonly limit: { readonly bytes: number } } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** redis-cli inside the stack's Redis, the password read there (never in an argv); commands on stdin. */
function redis(container: string, commands: string, refusable = false): string {
  const cli = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf)" exec redis-cli -p ${PORT}`;
  const r = spawnSync("docker", ["exec", "-i", container, "sh", "-c", cli], { input: commands, encoding: "utf8" });
  if (!refusable) assert.equal(r.status, 0, r.stderr);
  return `${r.stdout}${refusable ? r.stderr : ""}`.trim();
}

const usedMemory = (container: string): number =>
  Number(/used_memory:(\d+)/.exec(redis(container, "INFO memory\n"))?.[1] ?? Number.NaN);

/** LPUSH `count` strings of `bytes` onto `key` in one script run: the reply (length, or Redis' error). */
const push = (container: string, key: string, count: number, bytes: number): string =>
  redis(
    container,
    `EVAL "for i = 1, tonumber(ARGV[1]) do redis.call('LPUSH', KEYS[1], string.rep('x', tonumber(ARGV[2]))) end return redis.call('LLEN', KEYS[1])" 1 ${key} ${count} ${bytes}\n`,
    true,
  );

const ELEMENT = 10_000;
/**
 * Fill `key` in runs of 4 MB, each its own command: one script writing 200 MB at once buffers all of it for the AOF
 * (and its strings in Lua) and got Redis OOM-killed at its 512 MiB limit — a fault of the test, not a producer's.
 * Until used_memory reaches `ratio` of maxmemory, or (ratio undefined) until Redis refuses a run with OOM.
 */
function fill(container: string, key: string, maxmemory: number, ratio?: number): string {
  for (let i = 0; i < 200; i++) {
    const left = ratio === undefined ? Infinity : ratio * maxmemory - usedMemory(container);
    if (left <= 0) return "";
    const reply = push(container, key, Math.min(400, Math.ceil(left / (ELEMENT + 64))), ELEMENT);
    if (/OOM/.test(reply)) return reply;
    assert.match(reply, /^\d+$/);
  }
  return assert.fail(`Redis never reached ${ratio ?? "maxmemory"}`);
}

/** Until Docker's healthcheck says healthy. */
async function waitHealthy(container: string, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    const c = inspect<{ State: { Health?: { Status: string } } }>(container);
    if (c.State.Health?.Status === "healthy") return;
    await sleep(1000);
  }
  assert.fail(`${container} not healthy after ${seconds} s`);
}

describe("alerts fire on real faults and resolve, end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  const times: { alert: string; fault: string; fire: number; resolve?: number }[] = [];

  async function alerts(): Promise<Alert[]> {
    const r = await fetch(`${out.prometheusUrl}/api/v1/alerts`);
    assert.equal(r.status, 200);
    return ((await r.json()) as { data: { alerts: Alert[] } }).data.alerts;
  }

  /** Seconds from `since` until `name` is firing (or, with "resolved", neither firing nor pending). */
  async function until(name: string, state: "firing" | "resolved", since: number, seconds = 120): Promise<number> {
    const deadline = Date.now() + seconds * 1000;
    let last: Alert[] = [];
    while (Date.now() < deadline) {
      last = (await alerts()).filter((a) => a.labels.alertname === name);
      if (state === "firing" ? last.some((a) => a.state === "firing") : last.length === 0)
        return Math.round((Date.now() - since) / 100) / 10;
      await sleep(500);
    }
    return assert.fail(`${name} not ${state} after ${seconds} s: ${JSON.stringify(last)}`);
  }

  before(async () => {
    stack = demoPoolStack(testStackName("alerts"), PORT);
    const file = path.join(repo, `Pulumi.${stack.name}.yaml`);
    const exporterPort = `    port: ${PORT + 10000}\n`;
    const yaml = readFileSync(file, "utf8");
    assert.ok(yaml.includes(exporterPort));
    writeFileSync(
      file,
      yaml.replace(
        exporterPort,
        [
          exporterPort.trimEnd(),
          `    queueBacklogAlert: ${BACKLOG}`,
          `    alertFor: { redisDown: ${WINDOW}, noWorker: ${WINDOW}, nearMaxmemory: ${WINDOW}, rssNearLimit: ${WINDOW}, queueBacklog: ${WINDOW} }`,
          "    prometheus:",
          "      enabled: true",
          "      image: queuekit/prometheus:local",
          `      port: ${PROMETHEUS_PORT}`,
          `      scrapeInterval: ${INTERVAL}`,
          `      evaluationInterval: ${INTERVAL}`,
          "",
        ].join("\n"),
      ),
    );
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json").stdout) as Outputs;
    await waitHealthy(out.redisContainer);
    await waitHealthy(out.workerContainers[0]);
    await waitHealthy(out.prometheusContainer);
  });

  after(() => {
    console.log("alert                               fault                        fire s  resolve s");
    for (const t of times)
      console.log(
        `${t.alert.padEnd(36)}${t.fault.padEnd(29)}${String(t.fire).padStart(6)}  ${String(t.resolve ?? "—").padStart(9)}`,
      );
    const name = stack?.name;
    stack?.dispose();
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("Prometheus runs as a non-root user, on loopback, hardened; scrapes the exporter; loads the 7 rules; all quiet", async () => {
    const c = inspect<{
      Config: { User: string };
      HostConfig: {
        Memory: number;
        MemorySwap: number;
        CapDrop: string[];
        SecurityOpt: string[];
        CpuShares: number;
        LogConfig: { Type: string; Config: Record<string, string> };
        PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
      };
    }>(out.prometheusContainer);
    // The explicit uid:gid the kit knows the image's user by (runAs), and the process really runs as it.
    const runAs = knownImageUser(docker(`inspect -f '{{.Config.Image}}' ${out.prometheusContainer}`));
    assert.ok(runAs, "the kit knows the Prometheus image's user");
    assert.equal(c.Config.User, runAs);
    assert.equal(docker(`exec ${out.prometheusContainer} id -u`), runAs.split(":")[0]);
    assert.notEqual(runAs.split(":")[0], "0");
    assert.equal(c.HostConfig.Memory, out.memoryPlan.prometheus.limit.bytes);
    assert.equal(c.HostConfig.MemorySwap, c.HostConfig.Memory);
    assert.deepEqual(c.HostConfig.CapDrop, ["ALL"]);
    assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges:true"]);
    assert.equal(c.HostConfig.CpuShares, 256);
    assert.deepEqual(c.HostConfig.LogConfig, { Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } });
    assert.deepEqual(c.HostConfig.PortBindings["9090/tcp"], [
      { HostIp: "127.0.0.1", HostPort: String(PROMETHEUS_PORT) },
    ]);

    const rules = (await (await fetch(`${out.prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string }[] }[] };
    };
    assert.equal(rules.data.groups.flatMap((g) => g.rules).length, 7);
    // The first scrape and evaluation follow within a few intervals; the worker subscribes once it is ready.
    const deadline = Date.now() + 60_000;
    let active: Alert[] = [];
    let health = "";
    while (Date.now() < deadline) {
      const t = (await (await fetch(`${out.prometheusUrl}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: { job: string }; health: string }[] };
      };
      health = t.data.activeTargets.map((a) => `${a.labels.job}:${a.health}`).join(",");
      active = await alerts();
      if (health === "redis:up" && active.length === 0) break;
      await sleep(1000);
    }
    assert.equal(health, "redis:up");
    assert.deepEqual(active, [], "no alert on a fresh stack");
  });

  it("Redis filled past 90% of maxmemory: QueuekitRedisNearMaxmemory; past maxmemory: QueuekitRedisRefusingWrites", async () => {
    const r = out.redisContainer;
    try {
      fill(r, "fill", out.redisMaxmemory, 0.94);
      const ratio = usedMemory(r) / out.redisMaxmemory;
      console.log(`Redis at ${(ratio * 100).toFixed(1)}% of maxmemory ${out.redisMaxmemory} B`);
      assert.ok(ratio > 0.9 && ratio < 1, String(ratio));
      const t0 = Date.now();
      const near = await until("QueuekitRedisNearMaxmemory", "firing", t0);

      // Past maxmemory: a write is refused with OOM (noeviction), and Redis counts the refusal.
      assert.match(fill(r, "fill", out.redisMaxmemory), /OOM/);
      const t1 = Date.now();
      assert.match(redis(r, "LPUSH celery one-more\n", true), /OOM/);
      const refusing = await until("QueuekitRedisRefusingWrites", "firing", t1);

      redis(r, "DEL fill\n");
      const t2 = Date.now();
      times.push({
        alert: "QueuekitRedisNearMaxmemory",
        fault: "LPUSH to 94% of maxmemory",
        fire: near,
        resolve: await until("QueuekitRedisNearMaxmemory", "resolved", t2),
      });
      // increase(redis_errors_total{err="OOM"}[5m]) stays above 0 for the rule's 5-minute window: not awaited here.
      times.push({ alert: "QueuekitRedisRefusingWrites", fault: "LPUSH past maxmemory (OOM)", fire: refusing });
    } finally {
      redis(r, "DEL fill\n");
    }
  });

  it("the worker container stopped: QueuekitNoWorker; its queue past queueBacklogAlert: QueuekitQueueBacklog", async () => {
    const worker = out.workerContainers[0];
    try {
      docker(`stop ${worker}`);
      const t0 = Date.now();
      // Nothing consumes while the worker is down: the messages stay (never run: DEL before it starts again).
      redis(
        out.redisContainer,
        `${Array.from({ length: BACKLOG + 5 }, (_, i) => `LPUSH celery not-a-task-${i}`).join("\n")}\n`,
      );
      const t1 = Date.now();
      const backlog = await until("QueuekitQueueBacklog", "firing", t1);
      const noWorker = await until("QueuekitNoWorker", "firing", t0);

      redis(out.redisContainer, "DEL celery\n");
      const t2 = Date.now();
      times.push({
        alert: "QueuekitQueueBacklog",
        fault: `${BACKLOG + 5} messages, worker down`,
        fire: backlog,
        resolve: await until("QueuekitQueueBacklog", "resolved", t2),
      });
      docker(`start ${worker}`);
      const t3 = Date.now();
      times.push({
        alert: "QueuekitNoWorker",
        fault: "worker container stopped",
        fire: noWorker,
        resolve: await until("QueuekitNoWorker", "resolved", t3),
      });
    } finally {
      redis(out.redisContainer, "DEL celery\n");
      docker(`start ${worker}`);
    }
    await waitHealthy(worker);
  });

  it("Redis stopped: QueuekitRedisDown; started again: resolved", async () => {
    try {
      docker(`stop ${out.redisContainer}`);
      const t0 = Date.now();
      const down = await until("QueuekitRedisDown", "firing", t0);
      docker(`start ${out.redisContainer}`);
      const t1 = Date.now();
      times.push({
        alert: "QueuekitRedisDown",
        fault: "Redis container stopped",
        fire: down,
        resolve: await until("QueuekitRedisDown", "resolved", t1),
      });
    } finally {
      docker(`start ${out.redisContainer}`);
    }
    await waitHealthy(out.redisContainer);
  });

  it("Prometheus' memory stays inside its planned limit", () => {
    const rss =
      Number(/VmRSS:\s+(\d+) kB/.exec(docker(`exec ${out.prometheusContainer} cat /proc/1/status`))?.[1]) * 1024;
    const usage = docker(`stats --no-stream --format '{{.MemUsage}}' ${out.prometheusContainer}`);
    const limit = out.memoryPlan.prometheus.limit.bytes;
    console.log(
      `Prometheus RSS ${(rss / 2 ** 20).toFixed(1)} MiB, cgroup ${usage}, planned limit ${limit / 2 ** 20} MiB`,
    );
    assert.ok(rss < 0.8 * limit, `RSS ${rss} B above 80% of the ${limit} B limit`);
    assert.equal(inspect<{ State: { OOMKilled: boolean } }>(out.prometheusContainer).State.OOMKilled, false);
  });
});
