// Celery worker argv and celeryconfig: flags from the plan, a config Python can import.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { renderCeleryConfig, stopTimeoutOf, visibilityTimeoutOf, workerArgv } from "../../infra/render/celery";
import { templatesDir } from "../../infra/render/template";
import { matchSnapshot } from "./snapshot";

const config = parseConfig({
  host: { memory: "2GiB", cpus: 2 },
  workers: [
    {
      name: "default",
      image: "app:1",
      runAs: "1000:1000",
      app: "proj",
      queues: ["celery", "mail"],
      concurrency: 3,
      timeLimit: 600,
    },
    { name: "io", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["io"], pool: "gevent", concurrency: 50 },
  ],
});
const plan = planMemory(config);
const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

describe("celery worker argv", () => {
  it("prefork: concurrency, recycling by tasks and by memory (KiB), queues, prefetch", () => {
    const argv = workerArgv(config.workers[0], plan.workers[0], "default-0@host");
    assert.equal(flag(argv, "--pool"), "prefork");
    assert.equal(flag(argv, "--concurrency"), "3");
    assert.equal(flag(argv, "-Q"), "celery,mail");
    assert.equal(flag(argv, "--prefetch-multiplier"), "2");
    const pool = plan.workers[0];
    assert.ok(pool.pool === "prefork");
    assert.equal(flag(argv, "--max-tasks-per-child"), String(pool.maxTasksPerChild));
    assert.equal(flag(argv, "--max-memory-per-child"), String(pool.maxMemoryPerChildKiB));
    assert.ok(pool.maxMemoryPerChildKiB * 1024 < pool.budget.perUnit, "recycled below the per-child budget");
  });

  it("gevent: no per-child flags (they do not exist outside prefork)", () => {
    const argv = workerArgv(config.workers[1], plan.workers[1], "io-0@host");
    assert.equal(flag(argv, "--pool"), "gevent");
    assert.equal(flag(argv, "--concurrency"), "50");
    assert.ok(!argv.includes("--max-memory-per-child") && !argv.includes("--max-tasks-per-child"));
  });
});

describe("celeryconfig", () => {
  const text = renderCeleryConfig({
    stack: "test",
    pool: config.workers[0],
    plan: plan.workers[0],
    brokerUrl: "redis://:pw@redis:6379/0",
    publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
  });
  // The rendered module imports queuekit_celery, which ships next to it.
  const pythonEnv = { ...process.env, PYTHONPATH: `${templatesDir}/celery` };

  it("matches its snapshot", () => matchSnapshot("celeryconfig.py", text));

  it("is valid Python with the safety settings on", () => {
    const check = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        "import sys; ns = {}; exec(sys.stdin.read(), ns); print(ns['task_acks_late'], ns['task_reject_on_worker_lost'], ns['broker_transport_options']['visibility_timeout'], ns['queuekit_publish_headroom_bytes'])",
      ],
      { input: text, encoding: "utf8", env: pythonEnv },
    );
    assert.equal(check.status, 0, check.stderr);
    assert.equal(
      check.stdout.trim(),
      `True True ${visibilityTimeoutOf(config.workers[0])} ${plan.redis.publishHeadroom.bytes}`,
    );
  });

  it("msgpack is opt-in per pool and still accepts json", () => {
    const pool = parseConfig({
      host: { memory: "2GiB", cpus: 2 },
      workers: [
        { name: "mp", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["celery"], serializer: "msgpack" },
      ],
    }).workers[0];
    const text = renderCeleryConfig({
      stack: "t",
      pool,
      plan: plan.workers[0],
      brokerUrl: "redis://x",
      publishHeadroomBytes: 2097152,
    });
    assert.match(text, /^task_serializer = "msgpack"$/m);
    assert.match(text, /^accept_content = \["msgpack","json"\]$/m);
    assert.throws(
      () => parseConfig({ host: { memory: "2GiB", cpus: 2 }, workers: [{ ...pool, serializer: "pickle" }] }),
      /queuekit:workers\[0\]\.serializer: got "pickle"/,
    );
  });

  it("renders task_routes Python reads as a dict of queues, sorted", () => {
    const routed = renderCeleryConfig({
      stack: "t",
      pool: config.workers[0],
      plan: plan.workers[0],
      brokerUrl: "redis://x",
      publishHeadroomBytes: 2097152,
      routes: { "proj.z": "celery.heavy", 'proj.quote"d': "q" },
    });
    const check = spawnSync(
      "/usr/bin/python3",
      ["-c", "import sys, json; ns = {}; exec(sys.stdin.read(), ns); print(json.dumps(ns['task_routes']))"],
      { input: routed, encoding: "utf8", env: pythonEnv },
    );
    assert.equal(check.status, 0, check.stderr);
    assert.deepEqual(JSON.parse(check.stdout), { 'proj.quote"d': { queue: "q" }, "proj.z": { queue: "celery.heavy" } });
    assert.ok(routed.indexOf('proj.quote\\"d') < routed.indexOf("proj.z"), "sorted by task name");
  });

  it("redelivers only after the hard time limit, and Docker waits longer than a task may run", () => {
    assert.ok(visibilityTimeoutOf(config.workers[0]) > 600);
    assert.ok(stopTimeoutOf(config.workers[0]) > 600);
  });
});
