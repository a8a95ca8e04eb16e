// The planner with a measured profile: memory classes, routes, prefetch from durations, recycling, backlog.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../infra/config/errors";
import { parseConfig } from "../../infra/config/parse";
import type { AppProfile } from "../../infra/config/profile";
import { MiB } from "../../infra/config/units";
import { PlanError } from "../../infra/plan/errors";
import { planMemory, REDIS_BASELINE } from "../../infra/plan/planner";
import { cpuCap, MAX_PREFETCH, prefetchFor } from "../../infra/plan/pools";
import { renderPlanTable } from "../../infra/plan/planTable";
import type { PreforkPoolPlan } from "../../infra/plan/types";

const task = (peakMiB: number, seconds: number, cpu = seconds, messageBytes = 1000) => ({
  samples: 5,
  peakBytes: peakMiB * MiB,
  seconds: { median: seconds, max: seconds * 1.2 },
  cpuSeconds: cpu,
  messageBytes,
});

const profile: AppProfile = {
  version: 1,
  image: "acme/app:1",
  app: "proj",
  measuredAt: "2026-12-03T00:00:00Z",
  worker: { parentRssBytes: 40 * MiB, childUssBytes: 10 * MiB, childRssBytes: 36 * MiB },
  tasks: { "proj.light": task(2, 0.005), "proj.report": task(150, 1.2, 0.1, 1200) },
};

const dir = mkdtempSync(path.join(tmpdir(), "qk-profile-"));
const write = (name: string, content: unknown) => {
  writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return name;
};
write("app.json", profile);

const pool = {
  name: "default",
  image: "acme/app:1",
  runAs: "1000:1000",
  app: "proj",
  queues: ["celery"],
  profile: "app.json",
};
const config = (memory: string, extra: object = {}) =>
  parseConfig({ host: { memory, cpus: 2 }, workers: [{ ...pool, ...extra }] }, dir);

describe("planner with a measured profile", () => {
  it("splits light and heavy tasks into two pools and routes the heavy ones to their own queue", () => {
    const plan = planMemory(config("2GiB"));
    const [light, heavy] = plan.workers as PreforkPoolPlan[];
    assert.deepEqual(
      [light.name, light.memoryClass, light.queues, light.tasks],
      ["default", "light", ["celery"], ["proj.light"]],
    );
    assert.deepEqual(
      [heavy.name, heavy.memoryClass, heavy.queues, heavy.tasks],
      ["default-heavy", "heavy", ["celery.heavy"], ["proj.report"]],
    );
    assert.deepEqual(plan.routes, { "proj.report": "celery.heavy" });
    assert.equal(light.source, 0);
    assert.equal(heavy.source, 0);
  });

  it("sizes each child from the measurement: idle private memory + peak with its safety + slack", () => {
    const [light, heavy] = planMemory(config("2GiB")).workers;
    assert.equal(light.budget.perUnit, Math.ceil(10 + 2 * 1.1 + 8) * MiB);
    assert.ok(heavy.budget.perUnit >= (10 + 150) * MiB, "a heavy child fits its measured peak");
    assert.ok(heavy.budget.perUnit <= (10 + 150 * 1.1 + 8 + 1) * MiB);
    assert.equal(light.budget.parent, 44 * MiB, "parent: measured RSS × 1.1, whole MiB");
  });

  it("recycles a child only above what a measured task reaches, from a main process at its budget", () => {
    for (const w of planMemory(config("2GiB")).workers as PreforkPoolPlan[]) {
      const peak = Math.max(...w.tasks.map((t) => profile.tasks[t].peakBytes));
      const threshold = w.maxMemoryPerChildKiB * 1024;
      // A fork starts with the main process's resident pages: a grown main process must not recycle every child.
      assert.ok(
        threshold > w.budget.parent + profile.worker.childUssBytes + peak,
        `${w.name}: above parent + child + peak`,
      );
      assert.ok(
        threshold - w.budget.parent < w.budget.perUnit,
        `${w.name}: a child's own growth past its budget trips it`,
      );
    }
  });

  it("prefetches several short tasks, few long ones, one very long one", () => {
    const [light, heavy] = planMemory(config("2GiB")).workers;
    assert.equal(light.prefetchMultiplier, MAX_PREFETCH);
    assert.equal(heavy.prefetchMultiplier, 2);
    assert.equal(prefetchFor(0.2), 6);
    assert.equal(prefetchFor(30), 1);
    assert.equal(
      planMemory(config("2GiB", { prefetchMultiplier: 3 })).workers[0].prefetchMultiplier,
      3,
      "explicit wins",
    );
  });

  it("caps concurrency by how CPU-bound the tasks are", () => {
    assert.equal(cpuCap(2, [task(1, 1, 1)]), 4, "CPU-bound: 2 per CPU");
    assert.equal(cpuCap(2, [task(1, 1, 0.01)]), 16, "waiting: 8 per CPU");
    const [light, heavy] = planMemory(config("8GiB")).workers;
    assert.ok(light.concurrency <= light.cap && heavy.concurrency <= heavy.cap);
  });

  it("gives the heavy pool what the light pool leaves, and keeps the whole plan within the host", () => {
    for (const memory of ["1GiB", "2GiB", "4GiB", "8GiB"]) {
      const plan = planMemory(config(memory));
      const [light, heavy] = plan.workers;
      assert.ok(heavy.concurrency >= 1 && light.concurrency >= 1, memory);
      assert.ok(plan.headroom.bytes >= 0, memory);
    }
    const big = planMemory(config("8GiB")).workers[1];
    assert.ok(big.concurrency > planMemory(config("2GiB")).workers[1].concurrency, "more host, more heavy children");
  });

  it("states the backlog Redis holds before publishing is refused, per measured message size", () => {
    const plan = planMemory(config("2GiB"));
    // Publishing stops the headroom short of maxmemory: 2% of it, at least 2 MiB.
    const headroom = plan.redis.publishHeadroom.bytes;
    assert.equal(headroom, Math.max(2 * 1024 * 1024, Math.floor(plan.redis.maxmemory.bytes * 0.02)));
    const maxmemory = plan.redis.maxmemory.bytes - headroom;
    assert.deepEqual(plan.redis.backlog?.byTask["proj.light"], {
      messageBytes: 1000,
      messages: Math.floor((maxmemory - REDIS_BASELINE) / 1000),
    });
    assert.equal(plan.redis.backlog?.messages, Math.floor((maxmemory - REDIS_BASELINE) / 1200));
    assert.match(renderPlanTable(plan, "t"), /backlog before publishing is refused: .*× proj\.light \(1000 B\)/);
    assert.equal(planMemory(parseConfig({ preset: "2GiB" })).redis.backlog, undefined, "no profile: no figure");
  });

  it("keeps one pool when the concurrency is fixed or every task is light", () => {
    assert.equal(planMemory(config("2GiB", { concurrency: 2 })).workers.length, 1);
    write("light.json", { ...profile, tasks: { "proj.light": task(2, 0.005) } });
    const plan = planMemory(config("2GiB", { profile: "light.json" }));
    assert.equal(plan.workers.length, 1);
    assert.equal(plan.workers[0].memoryClass, "all");
    assert.deepEqual(plan.routes, {});
  });

  it("keeps the pool whole when a light and a heavy pool do not both fit", () => {
    const plan = planMemory(
      parseConfig(
        { host: { memory: "512MiB", cpus: 2, reserve: "128MiB" }, redis: { memory: "64MiB" }, workers: [pool] },
        dir,
      ),
    );
    assert.deepEqual(
      plan.workers.map((w) => [w.name, w.memoryClass, w.concurrency]),
      [["default", "all", 1]],
    );
    assert.deepEqual(plan.routes, {});
    assert.ok(plan.workers[0].budget.perUnit >= (10 + 150) * MiB, "sized for the heaviest task");
  });

  it("refuses a host too small for one heavy child, naming the task and the measured size", () => {
    assert.throws(
      () =>
        planMemory(
          config("512MiB", {
            profile: write("huge.json", { ...profile, tasks: { ...profile.tasks, "proj.huge": task(400, 2) } }),
          }),
        ),
      (error: unknown) =>
        error instanceof PlanError && /proj\.huge.* need \d+ MiB per child \(measured\)/.test(error.message),
    );
  });
});

describe("profile config errors", () => {
  const refused = (extra: object, pattern: RegExp) =>
    assert.throws(
      () => config("2GiB", extra),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some((i) => i.path.startsWith("workers[0]") && pattern.test(i.message)),
    );

  it("a missing file names the path and the command that writes it", () =>
    refused({ profile: "nope.json" }, /no profile at .*nope\.json: measure the app first with npm run calibrate/));
  it("a file that is not JSON", () => refused({ profile: write("bad.json", "{") }, /is not JSON/));
  it("a file that is not a profile names the field", () =>
    refused({ profile: write("wrong.json", { ...profile, version: 2 }) }, /not a queuekit profile \(version/));
  it("a profile of another image", () =>
    refused({ image: "acme/app:2" }, /measures app "proj" in image "acme\/app:1".*run npm run calibrate/));
  it("a profile with a hand-set perChildMemory", () =>
    refused({ perChildMemory: "64MiB" }, /the profile measures what each task needs/));
});
