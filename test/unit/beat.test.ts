// Celery beat: its keys (defaults, every refusal naming the key), its one container in the memory plan (table,
// refusal), and what it renders — the schedule executed by Python, the argv run by a real sh.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { intervalSeconds } from "../../infra/config/beat";
import { parseConfig } from "../../infra/config/parse";
import { MiB } from "../../infra/config/units";
import { containersOf } from "../../infra/plan/containers";
import { PlanError } from "../../infra/plan/errors";
import { renderPlanTable } from "../../infra/plan/planTable";
import { planMemory } from "../../infra/plan/planner";
import { BEAT_EX_CONFIG, beatArgv, beatStateFile, renderBeatSettings } from "../../infra/render/beat";
import { configRefusal } from "./refusal";

const pools = [
  { name: "default", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["celery"] },
  { name: "reports", image: "app:1", runAs: "1000:1000", app: "proj.reports", queues: ["reports"], replicas: 3 },
];
const raw = (beat: Record<string, unknown>) => ({
  host: { memory: "2GiB", cpus: 2, connection: { kind: "local" } },
  workers: pools,
  beat,
});

const refusal = (value: unknown): string => configRefusal(value).message;

describe("beat config", () => {
  it("is off by default; its defaults when on", () => {
    assert.equal(parseConfig(raw({})).beat.enabled, false);
    assert.equal(planMemory(parseConfig(raw({}))).beat, undefined);
    assert.deepEqual(parseConfig(raw({ enabled: true })).beat, {
      enabled: true,
      memory: 96 * MiB,
      stateDir: "/var/lib/celery-beat",
      schedule: [],
    });
  });

  it("reads a schedule: intervals in seconds or as durations, the entry named after its task unless named", () => {
    const { schedule } = parseConfig(
      raw({
        enabled: true,
        pool: "reports",
        schedule: [
          { task: "proj.tasks.cleanup", every: "1h30m", kwargs: { days: 7 } },
          { name: "ping", task: "proj.tasks.ping", every: 20, args: [1, "a"], queue: "reports" },
        ],
      }),
    ).beat;
    assert.deepEqual(schedule, [
      { name: "proj.tasks.cleanup", task: "proj.tasks.cleanup", every: 5400, args: [], kwargs: { days: 7 } },
      { name: "ping", task: "proj.tasks.ping", every: 20, args: [1, "a"], kwargs: {}, queue: "reports" },
    ]);
    assert.deepEqual(["30s", "5m", "1d", "2h15s", 1].map(intervalSeconds), [30, 300, 86400, 7215, 1]);
    assert.deepEqual(["0s", "", "1.5s", "5 m", "m", 0, 2.5, "30S"].map(intervalSeconds), Array(8).fill(undefined));
  });

  it("refuses bad input, naming the key, the value and the fix", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { enabled: true, pool: "nightly" },
        /queuekit:beat\.pool: got "nightly" — no worker pool of that name; beat runs the app of one of workers\[\]: "default", "reports"/,
      ],
      [{ enabled: true, memory: "32MiB" }, /queuekit:beat\.memory: got "32MiB" — too small: at least 48MiB/],
      [{ enabled: "yes" }, /queuekit:beat\.enabled: got "yes" — true or false/],
      [{ stateDir: "var/beat" }, /queuekit:beat\.stateDir: got "var\/beat" — expected an absolute directory path/],
      [{ stateDir: "/tmp/$(id)" }, /queuekit:beat\.stateDir: got "\/tmp\/\$\(id\)"/],
      [
        { schedule: [{ task: "proj tasks", every: 5 }] },
        /queuekit:beat\.schedule\[0\]\.task: got "proj tasks" — expected a registered Celery task name/,
      ],
      [
        { schedule: [{ task: "proj.t", every: "0s" }] },
        /queuekit:beat\.schedule\[0\]\.every: got "0s" — expected seconds \(a whole number from 1\), or a duration/,
      ],
      [{ schedule: [{ task: "proj.t" }] }, /queuekit:beat\.schedule\[0\]\.every: got nothing/],
      [
        { schedule: [{ task: "proj.t", every: 5, args: { a: 1 } }] },
        /beat\.schedule\[0\]\.args: got \{"a":1\} — expected a list/,
      ],
      [
        { schedule: [{ task: "proj.t", every: 5, crontab: "* * * * *" }] },
        /beat\.schedule\[0\]\.crontab: got .* — unknown key; a beat\.schedule entry accepts: name, task, every/,
      ],
      [
        {
          schedule: [
            { task: "proj.t", every: 5 },
            { task: "proj.t", every: 60 },
          ],
        },
        /queuekit:beat\.schedule\[1\]\.name: got nothing — a second entry named "proj\.t": give each entry its own name/,
      ],
      [
        { replicas: 2 },
        /queuekit:beat\.replicas: got 2 — unknown key; beat accepts: enabled, pool, memory, stateDir, schedule/,
      ],
      [
        { schedule: "proj.t every 5s" },
        /queuekit:beat\.schedule: got "proj\.t every 5s" — expected a list of \{task, every/,
      ],
    ];
    for (const [beat, message] of cases) assert.match(refusal(raw(beat)), message);
  });
});

describe("beat in the memory plan", () => {
  const plan = planMemory(parseConfig(raw({ enabled: true, memory: "128MiB" })));

  it("is one container whatever the pools' replicas, in the table, taken from what is free", () => {
    assert.equal(plan.beat?.limit.mib, 128);
    assert.equal(plan.beat?.memorySwap.mib, 128);
    const beats = containersOf(plan).filter((c) => c.kind === "beat");
    assert.deepEqual(
      beats.map((c) => [c.key, c.replicas]),
      [["beat.memory", 1]],
    );
    assert.match(renderPlanTable(plan, "t"), /^beat +128 +×1 +128 .*beat\.memory: the one Celery beat of the stack/m);
    const without = planMemory(parseConfig(raw({})));
    assert.equal(without.headroom.bytes - plan.headroom.bytes, 128 * MiB);
  });

  it("a plan that does not fit lists it with what to change", () => {
    try {
      planMemory(parseConfig(raw({ enabled: true, memory: "1500MiB" })));
      assert.fail("planned");
    } catch (error) {
      assert.ok(error instanceof PlanError, String(error));
      assert.match(
        error.message,
        /beat\.memory +.*1500.*lower beat\.memory \(at least 48MiB\), or beat\.enabled: false/,
      );
    }
  });
});

describe("beat render", () => {
  const beat = parseConfig(
    raw({
      enabled: true,
      schedule: [
        { task: "proj.tasks.cleanup", every: "1h", kwargs: { days: 7, note: 'it\'s "quoted" \\ ünï' } },
        { name: "ping fast", task: "proj.tasks.ping", every: 5, args: [true, null, 1.5], queue: "reports" },
      ],
    }),
  ).beat;

  it("Python reads the schedule back exactly as configured, with a state write per sent task", () => {
    const settings = renderBeatSettings("prod", beat);
    // Debian's Python with its Celery (the settings import celery.beat), as in the images.
    const r = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        `import json, sys\nns = {}\nexec(sys.stdin.read(), ns)\nprint(json.dumps({k: ns[k] for k in ("beat_schedule", "beat_sync_every", "beat_max_loop_interval")}))`,
      ],
      { input: settings, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      beat_schedule: {
        "proj.tasks.cleanup": {
          task: "proj.tasks.cleanup",
          schedule: 3600,
          args: [],
          kwargs: { days: 7, note: 'it\'s "quoted" \\ ünï' },
        },
        "ping fast": {
          task: "proj.tasks.ping",
          schedule: 5,
          args: [true, null, 1.5],
          kwargs: {},
          options: { queue: "reports" },
        },
      },
      beat_sync_every: 1,
      beat_max_loop_interval: 60,
    });
  });

  it("keeps the state a SIGKILL interrupts: written through at each sync (the default dbm kept it in memory)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qk-beat-state-"));
    // Write an entry twice with a sync after each, then die as an OOM kill does; a second process reads it back.
    const write = (open: string) =>
      `import os, shelve\nns = {}\nexec(open(${JSON.stringify(path.join(dir, "settings.py"))}).read(), ns)\n` +
      `d = ${open}\nd["entries"] = {"tick": 1}\nd.sync()\nd["entries"] = {"tick": 2}\nd.sync()\nos.kill(os.getpid(), 9)\n`;
    const read = (open: string) =>
      `import json, shelve\nns = {}\nexec(open(${JSON.stringify(path.join(dir, "settings.py"))}).read(), ns)\n` +
      `print(json.dumps(dict(${open})))\n`;
    try {
      writeFileSync(path.join(dir, "settings.py"), renderBeatSettings("prod", beat));
      const durable = `ns["DurableScheduler"].persistence.open(${JSON.stringify(path.join(dir, "durable"))})`;
      // The dbm Celery's default shelve.open picks in the images (no python3-gdbm there): ndbm.
      const plain = `shelve.Shelf(__import__("dbm.ndbm").ndbm.open(${JSON.stringify(path.join(dir, "plain"))}, "c"), writeback=True)`;
      for (const open of [durable, plain]) {
        const killed = spawnSync("/usr/bin/python3", ["-c", write(open)], { encoding: "utf8" });
        assert.equal(killed.signal, "SIGKILL", killed.stderr);
      }
      const back = (open: string) => {
        const r = spawnSync("/usr/bin/python3", ["-c", read(open)], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as unknown;
      };
      assert.deepEqual(back(durable), { entries: { tick: 2 } });
      // What ndbm keeps of the same writes: nothing.
      assert.deepEqual(back(plain), {});
      assert.match(renderBeatSettings("prod", beat), /^beat_scheduler = "queuekit_celeryconfig:DurableScheduler"$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without beat.schedule it leaves the app's own periodic tasks alone", () => {
    const settings = renderBeatSettings("prod", { ...beat, schedule: [] });
    assert.doesNotMatch(settings, /beat_schedule\s*=/);
    assert.match(settings, /beat_sync_every = 1/);
  });

  it("runs celery beat on its state file, or stops with a line naming beat.stateDir when it cannot write there", () => {
    const argv = beatArgv(beat, "proj");
    assert.equal(beatStateFile(beat), "/var/lib/celery-beat/schedule");
    assert.deepEqual(argv.slice(0, 2), ["sh", "-c"]);
    assert.match(
      argv[2],
      /exec 'python3' '-m' 'celery' '-A' 'proj' 'beat' '-s' '\/var\/lib\/celery-beat\/schedule' '--pidfile=' '--loglevel' 'INFO'$/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), "qk-beat-"));
    try {
      const missing = beatArgv({ ...beat, stateDir: path.join(dir, "absent") }, "proj");
      const r = spawnSync(missing[0], missing.slice(1), { encoding: "utf8" });
      assert.equal(r.status, BEAT_EX_CONFIG);
      assert.match(r.stderr, /queuekit: beat\.stateDir .*\/absent is not writable by uid \d+: create it in the image/);
      // Writable: the check passes and the exec runs (here a celery with no app: any status but the refusal's).
      const ok = spawnSync(
        "sh",
        ["-c", beatArgv({ ...beat, stateDir: dir }, "proj")[2].replace(/exec .*$/, "echo ran")],
        {
          encoding: "utf8",
        },
      );
      assert.equal(ok.stdout.trim(), "ran");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
