import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { PRESET_NAMES } from "../../infra/config/presets";
import { MiB } from "../../infra/config/units";
import { PlanError } from "../../infra/plan/errors";
import { containersOf } from "../../infra/plan/containers";
import { planMemory } from "../../infra/plan/planner";
import { renderPlanSvg } from "../../infra/plan/planSvg";
import { renderPlanTable } from "../../infra/plan/planTable";
import type { MemoryPlan } from "../../infra/plan/types";

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const plan = (raw: unknown): MemoryPlan => planMemory(parseConfig(raw));
const host = (memory: string, cpus: number, extra: Record<string, unknown> = {}) => ({ memory, cpus, ...extra });

/** The plan in MiB as plain JSON: what the presets pin. */
interface PlanSummary {
  readonly hostMiB: number;
  readonly reserveMiB: number;
  readonly headroomMiB: number;
  readonly redis: { readonly limitMiB: number; readonly maxmemoryMiB: number; readonly policy: string };
  readonly workers: readonly {
    readonly name: string;
    readonly pool: string;
    readonly limitMiB: number;
    readonly memorySwapMiB: number;
    readonly concurrency: number;
    readonly replicas: number;
    readonly maxMemoryPerChildKiB: number | null;
  }[];
  readonly monitoringMiB: number | null;
}

function planSummary(plan: MemoryPlan): PlanSummary {
  return {
    hostMiB: plan.host.memory.mib,
    reserveMiB: plan.host.reserve.mib,
    headroomMiB: plan.headroom.mib,
    redis: { limitMiB: plan.redis.limit.mib, maxmemoryMiB: plan.redis.maxmemory.mib, policy: plan.redis.policy },
    workers: plan.workers.map((w) => ({
      name: w.name,
      pool: w.pool,
      limitMiB: w.limit.mib,
      memorySwapMiB: w.memorySwap.mib,
      concurrency: w.concurrency,
      replicas: w.replicas,
      maxMemoryPerChildKiB: w.pool === "prefork" ? w.maxMemoryPerChildKiB : null,
    })),
    monitoringMiB: plan.monitoring?.limit.mib ?? null,
  };
}

function refusal(raw: unknown): PlanError {
  try {
    plan(raw);
  } catch (error) {
    assert.ok(error instanceof PlanError, `expected PlanError, got ${String(error)}`);
    return error;
  }
  assert.fail("plan was accepted");
}

describe("presets", () => {
  const worker = (limitMiB: number, concurrency: number) => ({
    name: "default",
    pool: "prefork",
    limitMiB,
    memorySwapMiB: limitMiB,
    concurrency,
    replicas: 1,
    maxMemoryPerChildKiB: 111411,
  });
  const pinned = {
    "1GiB": {
      hostMiB: 1024,
      reserveMiB: 320,
      headroomMiB: 188,
      redis: { limitMiB: 128, maxmemoryMiB: 51, policy: "noeviction" },
      workers: [worker(388, 2)],
      monitoringMiB: null,
    },
    "2GiB": {
      hostMiB: 2048,
      reserveMiB: 384,
      headroomMiB: 483,
      redis: { limitMiB: 512, maxmemoryMiB: 204, policy: "noeviction" },
      workers: [worker(669, 4)],
      monitoringMiB: null,
    },
    "4GiB": {
      hostMiB: 4096,
      reserveMiB: 512,
      headroomMiB: 1827,
      redis: { limitMiB: 1024, maxmemoryMiB: 409, policy: "noeviction" },
      workers: [worker(669, 4)],
      monitoringMiB: 64,
    },
    "8GiB": {
      hostMiB: 8192,
      reserveMiB: 768,
      headroomMiB: 4080,
      redis: { limitMiB: 2048, maxmemoryMiB: 819, policy: "noeviction" },
      workers: [worker(1232, 8)],
      monitoringMiB: 64,
    },
  };
  for (const name of PRESET_NAMES) {
    it(`${name} gives a valid plan with the pinned numbers`, () => {
      const summary = planSummary(plan({ preset: name }));
      assert.deepEqual(summary, pinned[name]);
      assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
    });
  }
});

describe("planMemory", () => {
  it("gives maxmemory 40% of the Redis limit, with persistence or without", () => {
    const base = { host: host("2GiB", 2), workers: [pool] };
    assert.equal(plan({ ...base, redis: { memory: "500MiB", persistence: "rdb" } }).redis.maxmemory.mib, 200);
    assert.equal(plan({ ...base, redis: { memory: "500MiB", persistence: "none" } }).redis.maxmemory.mib, 200);
    assert.equal(plan({ ...base, redis: { memory: "500MiB" } }).redis.memorySwap.mib, 500);
  });

  it("sizes a fixed prefork pool as parent + n × per-child + 10% margin, up to whole MiB", () => {
    const w = plan({ host: host("4GiB", 2), workers: [{ ...pool, concurrency: 3, perChildMemory: "150MiB" }] })
      .workers[0];
    // 96 + 3 × 150 = 546 MiB, + 54.6 MiB margin = 600.6 → 601 MiB
    assert.equal(w.limit.mib, 601);
    assert.equal(w.memorySwap.mib, 601);
    assert.deepEqual(w.budget, { parent: 96 * MiB, perUnit: 150 * MiB, margin: 601 * MiB - 546 * MiB });
    assert.ok(w.pool === "prefork" && w.maxMemoryPerChildKiB === Math.floor(150 * 1024 * 0.85));
  });

  it("gives a small pool the 32 MiB minimum margin", () => {
    const w = plan({
      host: host("1GiB", 1),
      workers: [{ ...pool, pool: "gevent", concurrency: 10, parentMemory: "64MiB" }],
    }).workers[0];
    assert.equal(w.limit.mib, 64 + 10 * 4 + 32);
  });

  it("caps auto concurrency by cpus: 2 prefork children per cpu", () => {
    assert.equal(plan({ host: host("8GiB", 1), workers: [pool] }).workers[0].concurrency, 2);
    assert.equal(plan({ host: host("8GiB", 3), workers: [pool] }).workers[0].concurrency, 6);
  });

  it("bounds auto concurrency by memory", () => {
    // share = 1024 − 320 reserve − 256 redis = 448 MiB; 96 + 4 × 64 + 35.2 → 388 fits, 5 children → 458 does not.
    const w = plan({ host: host("1GiB", 8), workers: [{ ...pool, perChildMemory: "64MiB" }] }).workers[0];
    assert.equal(w.concurrency, 4);
    assert.equal(w.auto, true);
  });

  it("splits what fixed pools leave equally among the replicas of auto pools", () => {
    const p = plan({
      host: host("4GiB", 8),
      workers: [
        { ...pool, name: "fixed", concurrency: 2 },
        { ...pool, name: "auto", replicas: 2, perChildMemory: "100MiB" },
      ],
    });
    // free = 4096 − 512 − 1024 − 388 = 2172 MiB → 1086 MiB per replica: 96 + 8 × 100 + 89.6 → 986 fits, 9 → 1096 does not.
    assert.deepEqual(
      p.workers.map((w) => [w.concurrency, w.limit.mib, w.replicas]),
      [
        [2, 388, 1],
        [8, 986, 2],
      ],
    );
    assert.equal(p.headroom.mib, 4096 - 512 - 1024 - 388 - 2 * 986);
  });

  it("caps gevent auto at 100 greenlets and runs solo at 1", () => {
    const p = plan({
      host: host("8GiB", 4),
      workers: [
        { ...pool, pool: "gevent" },
        { ...pool, name: "one", pool: "solo" },
      ],
    });
    assert.deepEqual(
      p.workers.map((w) => [w.pool, w.concurrency, w.limit.mib]),
      [
        ["gevent", 100, 546],
        ["solo", 1, 256],
      ],
    );
  });

  it("sizes an autoscale pool for its max", () => {
    const w = plan({ host: host("2GiB", 2), workers: [{ ...pool, autoscale: { max: 3, min: 1 } }] }).workers[0];
    assert.equal(w.concurrency, 3);
    assert.equal(w.auto, false);
    assert.ok(w.pool === "prefork");
    assert.deepEqual(w.autoscale, { max: 3, min: 1 });
    assert.equal(w.limit.mib, Math.ceil((96 + 3 * 128) * 1.1));
  });

  it("keeps memorySwap equal to the limit unless a pool allows swap", () => {
    const p = plan({
      host: host("2GiB", 2, { swapFile: "1GiB" }),
      monitoring: { enabled: true },
      workers: [pool, { ...pool, name: "swappy", concurrency: 1, allowSwap: true, swap: "256MiB", replicas: 2 }],
    });
    assert.equal(p.workers[0].memorySwap.mib, p.workers[0].limit.mib);
    assert.equal(p.workers[1].memorySwap.mib, p.workers[1].limit.mib + 256);
    assert.equal(p.monitoring?.memorySwap.mib, 64);
    assert.equal(p.host.swapFile.mib, 1024);
  });

  it("leaves headroom = host − reserve − Σ limits × replicas", () => {
    const p = plan({
      host: host("4GiB", 2),
      monitoring: { enabled: true },
      workers: [{ ...pool, replicas: 2, concurrency: 2 }],
    });
    const used = containersOf(p).reduce((total, c) => total + c.memory.limit.bytes * c.replicas, 0);
    assert.equal(p.headroom.bytes, p.host.memory.bytes - p.host.reserve.bytes - used);
  });
});

describe("PlanError", () => {
  it("refuses limits that do not fit, as a table of asked, available and what to change", () => {
    const error = refusal({ preset: "1GiB", redis: { memory: "600MiB" } });
    assert.equal(error.resource, "memory");
    assert.equal(error.asked, 1176 * MiB);
    assert.deepEqual(error.available, { key: "host.memory", bytes: 1024 * MiB, change: "or raise host.memory" });
    assert.deepEqual(
      error.items.map((i) => [i.key, i.bytes / MiB]),
      [
        ["host.reserve", 320],
        ["redis.memory", 600],
        ["workers[0]", 256],
      ],
    );
    assert.match(
      error.message,
      /^queuekit plan does not fit: it asks 1176 MiB of memory, queuekit:host\.memory gives 1024 MiB — 152 MiB over\./,
    );
    assert.match(error.message, /queuekit:redis\.memory +1 × 600 MiB +600 +lower redis\.memory/);
    assert.match(
      error.message,
      /queuekit:workers\[0\] +default: 1 × 256 MiB, concurrency 1 \(auto\) +256 +lower perChildMemory, parentMemory or replicas/,
    );
    assert.match(error.message, /total asked +1176/);
    assert.match(error.message, /queuekit:host\.memory +available +1024 +or raise host\.memory/);
  });

  it("names the pool keys to lower for a fixed pool with replicas", () => {
    const error = refusal({ host: host("1GiB", 1), workers: [{ ...pool, concurrency: 8, replicas: 2 }] });
    assert.match(
      error.message,
      /queuekit:workers\[0\] +default: 2 × 1232 MiB, concurrency 8 +2464 +lower concurrency, perChildMemory, parentMemory or replicas/,
    );
  });

  it("refuses more pool swap than the host swap file", () => {
    const error = refusal({
      host: host("4GiB", 2, { swapFile: "256MiB" }),
      workers: [{ ...pool, concurrency: 2, allowSwap: true, swap: "256MiB", replicas: 2 }],
    });
    assert.equal(error.resource, "swap");
    assert.match(error.message, /asks 512 MiB of swap, queuekit:host\.swapFile gives 256 MiB — 256 MiB over/);
    assert.match(error.message, /queuekit:workers\[0\]\.swap +2 × 256 MiB +512 +lower swap or replicas/);
  });
});

describe("renderers", () => {
  const p = plan({ preset: "2GiB" });

  it("renders a table in MiB, bytes and % of the host", () => {
    const table = renderPlanTable(p, "preset 2GiB");
    assert.match(table, /^queuekit memory plan — preset 2GiB\n/);
    assert.match(table, /component +limit MiB +total MiB +bytes +% host +notes/);
    assert.match(table, /reserve +384 +402,653,184 +18\.8%/);
    assert.match(
      table,
      /redis +512 +×1 +512 +536,870,912 +25\.0% +maxmemory 204 MiB \(40%, persistence aof\), noeviction/,
    );
    assert.match(
      table,
      /worker default +669 +×1 +669 +701,497,344 +32\.7% +prefork, concurrency 4 \(auto\): parent 96 \+ 4 × 128 \+ margin 61 MiB; max-memory-per-child 111411 KiB/,
    );
    assert.match(table, /headroom +483 +506,462,208 +23\.6%/);
    assert.match(table, /host +2048 +2,147,483,648 +100\.0% +2 cpus/);
  });

  it("renders an SVG bar whose segments fill the host exactly, with a legend", () => {
    const svg = renderPlanSvg(p, "a <b> & c");
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /a &lt;b&gt; &amp; c/);
    const bar = [...svg.matchAll(/<rect x="[\d.]+" y="104" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(bar.length, 5); // reserve, redis data, redis rest, worker, headroom
    assert.ok(Math.abs(bar.reduce((a, b) => a + b, 0) - 912) < 0.5);
    for (const legend of [
      "reserve — OS",
      "redis maxmemory — 40% of its 512 MiB limit",
      "redis overhead",
      "worker default (prefork, concurrency 4 (auto)) — 1 × 669 MiB",
      "headroom",
    ]) {
      assert.ok(svg.includes(legend), legend);
    }
    assert.ok(svg.trimEnd().endsWith("</svg>"));
  });

  it("draws one segment per replica", () => {
    const p3 = plan({
      host: host("2GiB", 2),
      redis: { memory: "256MiB" },
      workers: [{ ...pool, replicas: 3, concurrency: 2 }],
    });
    const svg = renderPlanSvg(p3, "replicas");
    assert.ok(svg.includes(">default #3<"));
    assert.ok(svg.includes("worker default (prefork, concurrency 2) — 3 × 388 MiB"));
  });
});

describe("plan CLI", () => {
  const cli = join(__dirname, "../../scripts/plan.js");
  const runIn = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });

  it("--preset 2GiB prints the table and writes the SVG", () => {
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    const run = runIn(cwd, "--preset", "2GiB");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /worker default +669/);
    assert.match(run.stdout, /wrote out\/plan-2GiB\.svg/);
    assert.match(readFileSync(join(cwd, "out/plan-2GiB.svg"), "utf8"), /^<svg/);
  });

  it("--stack reads Pulumi.<stack>.yaml, skipping secrets and other namespaces", () => {
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    writeFileSync(
      join(cwd, "Pulumi.vps.yaml"),
      [
        "config:",
        "  docker:host: ssh://root@203.0.113.10",
        "  queuekit:preset: 1GiB",
        "  queuekit:redisPassword:",
        "    secure: v1:abcdef",
        "  queuekit:redis:",
        "    memory: 200MiB",
      ].join("\n"),
    );
    const run = runIn(cwd, "--stack", "vps");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /redis +200 +×1/);
    assert.ok(existsSync(join(cwd, "out/plan-vps.svg")));
  });

  it("--config reads a plain YAML or JSON config", () => {
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    writeFileSync(join(cwd, "small.json"), JSON.stringify({ host: host("1GiB", 1), workers: [pool] }));
    const run = runIn(cwd, "--config", "small.json");
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(cwd, "out/plan-small.svg")));
  });

  it("--config with an absolute path reads the pool's profile next to the config, and --profile from the cwd", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuekit-plan-config-"));
    const profile = readFileSync(join(__dirname, "../../../profiles/demo.json"), "utf8");
    writeFileSync(join(dir, "demo.json"), profile);
    const config = {
      host: host("1GiB", 2),
      workers: [{ ...pool, image: "queuekit/celery-demo:local", app: "demo", profile: "demo.json" }],
    };
    writeFileSync(join(dir, "app.json"), JSON.stringify(config));
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    const run = runIn(cwd, "--config", join(dir, "app.json"));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /heavy tasks demo\.heavy: peak 150\.5 MiB/);
    writeFileSync(join(cwd, "mine.json"), profile);
    const given = runIn(cwd, "--config", join(dir, "app.json"), "--profile", "mine.json");
    assert.equal(given.status, 0, given.stderr);
    assert.match(given.stdout, /profile mine\.json/);
  });

  it("exits 1 with the error text on a bad config or a plan that does not fit", () => {
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    writeFileSync(
      join(cwd, "bad.yaml"),
      "host: { memory: 2GB, cpus: 1 }\nworkers: [{ name: a, image: i, app: p, queues: [q] }]\n",
    );
    const bad = runIn(cwd, "--config", "bad.yaml");
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /queuekit:host\.memory: got "2GB" — "GB" reads as a decimal unit/);
    assert.ok(!existsSync(join(cwd, "out")));
    writeFileSync(join(cwd, "big.yaml"), "preset: 1GiB\nredis: { memory: 900MiB }\n");
    const big = runIn(cwd, "--config", "big.yaml");
    assert.equal(big.status, 1);
    assert.match(big.stderr, /queuekit plan does not fit/);
  });

  it("exits 2 with the usage on missing or conflicting options", () => {
    const cwd = mkdtempSync(join(tmpdir(), "queuekit-plan-"));
    for (const args of [[], ["--preset", "1GiB", "--stack", "x"], ["--stack", "missing"], ["--bogus"]]) {
      const run = runIn(cwd, ...args);
      assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /usage: npm run plan --/);
    }
  });
});
