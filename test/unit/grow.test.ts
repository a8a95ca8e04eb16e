// When to grow: each limit's headroom from the plan (and measured load), the closest one, and one more host.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { PRESET_NAMES } from "../../infra/config/presets";
import type { QueuekitConfig } from "../../infra/config/types";
import { MiB } from "../../infra/config/units";
import {
  growthOf,
  type Growth,
  type GrowthLimitName,
  NOMINAL_MESSAGE_BYTES,
  renderGrowthTable,
} from "../../infra/plan/grow";
import { planHosts } from "../../infra/plan/hosts";
import { REDIS_BASELINE } from "../../infra/plan/planner";

const repo = path.resolve(__dirname, "../../..");
const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };

const demoPool = { name: "default", image: "queuekit/celery-demo:local", app: "demo", queues: ["celery"] };

const growthFor = (config: QueuekitConfig, measured = {}): Growth => growthOf(config, planHosts(config), measured);
const limitOf = (g: Growth, name: GrowthLimitName) => g.limits.find((l) => l.limit === name)!;

describe("growthOf on the presets", () => {
  for (const preset of PRESET_NAMES) {
    it(`${preset}: every limit's figures add up, and one more host doubles workers and CPUs but not Redis`, () => {
      const config = parseConfig({ preset });
      const [host] = planHosts(config);
      const plan = host!.plan;
      const g = growthOf(config, [host!]);
      const redis = plan.redis!;

      const backlog = limitOf(g, "redis-backlog");
      const room = redis.maxmemory.bytes - redis.publishHeadroom.bytes - REDIS_BASELINE;
      assert.equal(backlog.capacity, Math.floor(room / NOMINAL_MESSAGE_BYTES));
      assert.deepEqual([backlog.used, backlog.headroomShare], [0, 1], "an empty Redis has all its backlog free");
      assert.equal(backlog.withOneMoreHost.capacity, backlog.capacity, "Redis does not move");

      const memory = limitOf(g, "worker-memory");
      const limits = plan.workers.reduce((n, w) => n + w.limit.bytes * w.replicas, 0);
      assert.equal(memory.used, limits);
      assert.equal(memory.headroom, plan.headroom.bytes);
      assert.equal(memory.capacity, limits + plan.headroom.bytes);
      // The added host runs no Redis and no side component: its pools get more than the current host leaves them.
      assert.ok(memory.withOneMoreHost.capacity > 2 * memory.capacity, `${memory.withOneMoreHost.capacity}`);

      const cpu = limitOf(g, "cpu");
      assert.equal(cpu.capacity, plan.host.cpus);
      assert.equal(cpu.withOneMoreHost.capacity, 2 * plan.host.cpus);
      // "auto" without a profile gives each pool its CPU cap (2 per CPU): the CPUs are the limit the plan hit.
      assert.equal(cpu.used, plan.host.cpus);
      assert.equal(g.closest.limit, "cpu");
      assert.equal(g.workerSlots.withOneMoreHost, 2 * g.workerSlots.now);
      assert.equal(g.workerSlots.now, 2 * plan.host.cpus);
      assert.equal(g.like, "host");
    });
  }

  it("2GiB: the backlog in figures (maxmemory 204 MiB, 2% publish headroom, 1 MiB baseline, 1 KiB messages)", () => {
    const g = growthFor(parseConfig({ preset: "2GiB" }));
    // (213,909,504 − floor(213,909,504 × 0.02) − 1,048,576) / 1024 = 203,694.08
    assert.equal(limitOf(g, "redis-backlog").capacity, 203_694);
    assert.equal(limitOf(g, "worker-memory").capacity, 1152 * MiB);
  });

  it("1GiB vs 8GiB: the bigger host leaves its pools a larger share of memory free", () => {
    const small = limitOf(growthFor(parseConfig({ preset: "1GiB" })), "worker-memory");
    const big = limitOf(growthFor(parseConfig({ preset: "8GiB" })), "worker-memory");
    assert.ok(small.headroomShare < big.headroomShare, `${small.headroomShare} < ${big.headroomShare}`);
  });
});

describe("growthOf with measured figures and other configs", () => {
  it("a Redis near maxmemory makes the backlog the closest limit, from used_memory or from the queue length", () => {
    const config = parseConfig({ preset: "2GiB" });
    const redis = planHosts(config)[0]!.plan.redis!;
    const full = growthFor(config, { redisUsedBytes: redis.maxmemory.bytes - redis.publishHeadroom.bytes });
    assert.equal(full.closest.limit, "redis-backlog");
    assert.equal(full.closest.headroom, 0);
    const capacity = limitOf(full, "redis-backlog").capacity;
    const half = growthFor(config, { queuedMessages: Math.floor(capacity / 2) });
    assert.equal(limitOf(half, "redis-backlog").headroom, capacity - Math.floor(capacity / 2));
  });

  it("a measured profile's largest message sizes the backlog", () => {
    const config = parseConfig({ preset: "2GiB", workers: [{ ...demoPool, profile: "profiles/demo.json" }] }, repo);
    const g = growthFor(config);
    const redis = planHosts(config)[0]!.plan.redis!;
    const largest = Math.max(...Object.values(redis.backlog!.byTask).map((t) => t.messageBytes));
    assert.equal(largest, 1032, "profiles/demo.json: demo.heavy's message");
    assert.equal(limitOf(g, "redis-backlog").capacity, redis.backlog!.messages);
    assert.match(limitOf(g, "redis-backlog").note, /1032 B messages \(profile\)/);
  });

  it("fixed concurrency below the CPU cap leaves CPU headroom; memory then becomes the closest limit", () => {
    const config = parseConfig({
      host: { memory: "1GiB", cpus: 4 },
      redis: { memory: "128MiB" },
      workers: [{ ...pool, concurrency: 2, perChildMemory: "200MiB" }],
    });
    const g = growthFor(config);
    const cpu = limitOf(g, "cpu");
    assert.equal(cpu.used, (4 * 2) / 8, "2 children of a cap of 8 on 4 CPUs");
    assert.equal(g.closest.limit, "worker-memory");
  });

  it("several hosts: the added host copies the last worker-only host, and only its pools grow", () => {
    const ssh = (host: string) => ({ kind: "ssh", host });
    const config = parseConfig({
      hosts: [
        { name: "broker", privateAddress: "10.0.0.2", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.10") },
        { name: "worker-1", privateAddress: "10.0.0.3", memory: "4GiB", cpus: 4, connection: ssh("203.0.113.11") },
      ],
      placement: { redis: "broker", workers: { default: ["broker", "worker-1"] } },
      redis: { memory: "512MiB" },
      workers: [{ ...pool, replicas: 2 }],
    });
    const hosts = planHosts(config);
    const g = growthOf(config, hosts);
    assert.equal(g.like, "worker-1");
    const worker1 = hosts[1]!.plan;
    const slots = worker1.workers.reduce((n, w) => n + w.concurrency * w.replicas, 0);
    assert.equal(g.workerSlots.withOneMoreHost, g.workerSlots.now + slots);
    assert.equal(limitOf(g, "cpu").capacity, 6);
    assert.equal(limitOf(g, "cpu").withOneMoreHost.capacity, 10);
    assert.equal(limitOf(g, "redis-backlog").capacity, limitOf(g, "redis-backlog").withOneMoreHost.capacity);
  });

  it("renders a table naming the closest limit and npm run plan prints it under the plan", () => {
    const text = renderGrowthTable(growthFor(parseConfig({ preset: "2GiB" })));
    assert.match(text, /closest limit: CPU \(0\.0% headroom\); one more host like host: worker slots 4 → 8/);
    assert.match(text, /Redis backlog\s+203,694/);
    const out = execFileSync(process.execPath, [path.join(__dirname, "../../scripts/plan.js"), "--preset", "1GiB"], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.match(out, /queuekit memory plan[\s\S]*when to grow — closest limit: /);
  });
});
