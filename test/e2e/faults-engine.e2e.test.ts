// Faults of the engine itself, on a kit stack deployed to a throw-away dockerd (test/e2e/dockerEngine.ts: own socket,
// data, bridge; `docker:host` points the stack's provider at it), never the shared one: dockerd restarted under
// live-restore while the workers are busy, then the emulated host "rebooted" (every container process, containerd and
// dockerd killed at once, then the engine started again). Each prints queued / completed / lost / executed twice.
// Tasks count their runs in a ledger Redis of the test's own on the stack's network.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { loadImage, powerCut, startAgain, startTestEngine, stopEngine, type TestEngine } from "./dockerEngine";
import { doctorJson, findingOf, problems, showDoctor } from "./doctorRun";
import { demoPoolStack, pythonJson, type TestStack, testStackName, waitForNode } from "./harness";

const PORT = 27311;
const EXPORTER_PORT = PORT + 10000;
const LEDGER_PORT = 27312;
const TIME_LIMIT_S = 10;
/** 2 × time limit + 30 s of stop grace (infra/render/celery.ts). */
const VISIBILITY_S = 2 * TIME_LIMIT_S + 30;
const IMAGES = ["queuekit/redis:7-local", "queuekit/celery-demo:local", "queuekit/redis-exporter:local"];
interface Outputs {
  redisUrl: string;
  redisContainer: string;
  workerContainers: string[];
  workerNodes: string[];
}
interface Waited {
  counts: Record<string, number>;
  first_seen: Record<string, number>;
}
interface Unacked {
  unacked: { token: string | null }[];
  queued: number;
}
interface Inspected {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number; StartedAt: string; Health?: { Status: string } };
  RestartCount: number;
  HostConfig: { PidsLimit?: number | null; ReadonlyRootfs?: boolean; CgroupParent?: string; Memory?: number };
}

const python = <T>(script: string, request: object): T => pythonJson<T>(script, request, 600_000);
const sleep = (s: number) => spawnSync("sleep", [String(s)]);

describe("faults of the engine: dockerd restarted (live-restore), the host rebooted", () => {
  let engine: TestEngine;
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  let bridge: string | undefined;
  const ledgerName = `qk-e2e-engledger-${process.pid}`;
  const ledgerHost = `redis://127.0.0.1:${LEDGER_PORT}/0`;
  const dock = (...args: string[]): string => {
    const r = engine.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const inspectAll = (): Inspected[] =>
    JSON.parse(
      dock("inspect", out.redisContainer, ...out.workerContainers, `qk-${stack.name}-monitoring`),
    ) as Inspected[];

  /** `n` demo.heavy calls of `hold` seconds, counted in the ledger by token. */
  const send = (prefix: string, n: number, hold: number): { tokens: string[]; sentAt: number } => {
    const tokens = [...Array(n).keys()].map((i) => `${prefix}-${process.pid}-${i}`);
    const calls = tokens.map((token) => ({
      name: "demo.heavy",
      kwargs: { token, ledger: "redis://ledger:6379/0", mib: 1, hold_seconds: hold },
    }));
    return {
      tokens,
      sentAt: python<{ sent_at: number }>("redelivery_client.py", { op: "send", broker, calls }).sent_at,
    };
  };
  const waitForWorker = (): void => waitForNode(broker, out.workerNodes[0]!, 120);
  /** Until every container of the stack that has a health check reports healthy (the doctor warns while "starting"). */
  const waitHealthy = (): void => {
    for (let i = 0; i < 120; i++) {
      if (inspectAll().every((c) => (c.State.Health?.Status ?? "healthy") === "healthy")) return;
      sleep(1);
    }
    assert.fail(
      `not healthy after 120 s: ${inspectAll()
        .map((c) => `${c.Name} ${c.State.Health?.Status}`)
        .join(", ")}`,
    );
  };
  const tally = (what: string, tokens: string[], w: Waited) => {
    const completed = tokens.filter((t) => (w.counts[t] ?? 0) > 0).length;
    const lost = tokens.filter((t) => (w.counts[t] ?? 0) === 0);
    const twice = tokens.filter((t) => (w.counts[t] ?? 0) > 1);
    console.log(
      `# ${what}: queued ${tokens.length}, completed ${completed}, lost ${lost.length}, executed twice ${twice.length} ` +
        `(last first run ${Math.max(0, ...Object.values(w.first_seen)).toFixed(1)} s after the fault)`,
    );
    return { lost, twice };
  };

  before(async () => {
    engine = await startTestEngine(JSON.stringify({ "live-restore": true }));
    for (const image of IMAGES) loadImage(engine, image);
    stack = demoPoolStack(testStackName("engfault"), PORT, [
      "concurrency: 2",
      "perChildMemory: 96MiB",
      `timeLimit: ${TIME_LIMIT_S}`,
    ]);
    const set = stack.pulumi(`config set docker:host ${engine.host}`);
    assert.equal(set.code, 0, set.stderr);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    // This engine runs without iptables; the host bridges' traffic still crosses the shared engine's FORWARD chain
    // (policy DROP, br_netfilter): let the stack network's own traffic through, as that engine does for its bridges.
    bridge = `br-${dock("network", "inspect", "--format", "{{.Id}}", `qk-${stack.name}`).slice(0, 12)}`;
    const rule = spawnSync("iptables", ["-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"], {
      encoding: "utf8",
    });
    assert.equal(rule.status, 0, `iptables: ${rule.stderr}`);
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    dock(
      "run",
      "-d",
      "--name",
      ledgerName,
      "--network",
      `qk-${stack.name}`,
      "--network-alias",
      "ledger",
      "--restart",
      "unless-stopped",
      "-p",
      `127.0.0.1:${LEDGER_PORT}:6379`,
      "queuekit/redis:7-local",
      "redis-server",
      "--save",
      "",
      // Every count on disk before it is acknowledged: a count lost in the power cut would read as a lost task.
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      "/tmp",
      "--protected-mode",
      "no",
    );
    waitForWorker();
  });
  after(async () => {
    if (bridge) spawnSync("iptables", ["-D", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"]);
    engine?.docker(["rm", "-f", ledgerName]);
    stack?.dispose();
    await engine?.stop();
  });

  it("the stack's containers on the throw-away engine are the kit's, hardened, with their PIDs bound", () => {
    const containers = inspectAll();
    for (const c of containers) {
      assert.ok(c.State.Running, c.Name);
      assert.equal(c.HostConfig.ReadonlyRootfs, true, c.Name);
      assert.ok((c.HostConfig.PidsLimit ?? 0) > 0, `${c.Name}: PidsLimit ${c.HostConfig.PidsLimit}`);
    }
    assert.equal(
      spawnSync("docker", ["inspect", out.redisContainer]).status,
      1,
      "nothing of the stack on the shared engine",
    );
    // The doctor follows the stack's docker:host to this engine: every container found, every row ok.
    waitHealthy();
    const r = doctorJson(stack);
    showDoctor("fresh stack on a throw-away engine (docker:host)", r);
    assert.equal(r.code, 0, problems(r).join("\n"));
    assert.equal(findingOf(r, out.redisContainer, "state")?.measured, "running");
  });

  it("dockerd restarted mid-burst (live-restore): every container keeps running, nothing lost, nothing twice", async () => {
    const was = inspectAll();
    const { tokens } = send("restart", 300, 0.2);
    sleep(3);
    const at = Date.now() / 1000;
    const argv = await stopEngine(engine);
    const stoppedFor = Date.now() / 1000 - at;
    await startAgain(engine, argv);
    const now = inspectAll();
    for (const c of was) {
      const n = now.find((x) => x.Id === c.Id);
      assert.ok(n, `${c.Name} still exists`);
      assert.ok(n.State.Running, `${c.Name} running`);
      assert.equal(n.State.Pid, c.State.Pid, `${c.Name}: the same process (not restarted)`);
      assert.equal(n.State.StartedAt, c.State.StartedAt, `${c.Name}: not restarted`);
      assert.equal(n.HostConfig.PidsLimit, c.HostConfig.PidsLimit, `${c.Name}: PidsLimit kept`);
    }
    const w = python<Waited>("redelivery_client.py", {
      op: "wait",
      url: ledgerHost,
      tokens,
      since: at,
      timeout: VISIBILITY_S + 240,
      settle: 5,
    });
    const { lost, twice } = tally(
      `dockerd restarted (stopped ${stoppedFor.toFixed(1)} s, back after ${(Date.now() / 1000 - at).toFixed(0)} s incl. the work) 3 s into 300 tasks of 0.2 s`,
      tokens,
      w,
    );
    assert.deepEqual(lost, []);
    assert.deepEqual(twice, []);
    // The doctor names the restart and that live-restore kept every one of the stack's containers running.
    waitHealthy();
    const r = doctorJson(stack);
    showDoctor("dockerd restarted under live-restore", r);
    assert.deepEqual(
      problems(r).map((p) => p.replace(/restarted \S+, [^;]+ after/, "restarted T, N after")),
      [
        `WARN dockerd engine restart: restarted T, N after the deploy; ${was.length} container(s) kept running (live-restore)`,
      ],
    );
    assert.equal(r.code, 1);
  });

  it("the host 'rebooted' (every process killed, engine started): the stack comes back with its settings and queue", async () => {
    waitForWorker();
    const was = inspectAll();
    const { tokens } = send("reboot", 300, 0.2);
    // appendfsync everysec: a power cut loses at most the last second of writes; the cut comes 3 s after the last.
    sleep(3);
    const queuedBefore = python<Unacked>("redelivery_client.py", { op: "unacked", broker });
    const at = Date.now() / 1000;
    // Power cut: the containers' processes, the engine, its containerd and shims, its port proxies, all at once.
    const processes = [
      ...was.map((c) => c.State.Pid),
      ...(JSON.parse(dock("inspect", ledgerName)) as Inspected[]).map((c) => c.State.Pid),
    ];
    const argv = await powerCut(engine, processes, [PORT, EXPORTER_PORT, LEDGER_PORT]);
    await startAgain(engine, argv);
    // Docker starts again what ran before with restart unless-stopped; Redis replays its AOF.
    let now = inspectAll();
    for (let i = 0; i < 120 && !now.every((c) => c.State.Running && c.State.Health?.Status !== "starting"); i++) {
      sleep(1);
      now = inspectAll();
    }
    const backAfter = Date.now() / 1000 - at;
    for (const c of was) {
      const n = now.find((x) => x.Id === c.Id);
      assert.ok(n, `${c.Name} still exists`);
      assert.ok(n.State.Running, `${c.Name} running again`);
      assert.notEqual(n.State.Pid, c.State.Pid, `${c.Name}: a new process`);
      assert.equal(n.HostConfig.PidsLimit, c.HostConfig.PidsLimit, `${c.Name}: PidsLimit kept`);
      assert.equal(n.HostConfig.ReadonlyRootfs, true, `${c.Name}: read-only root kept`);
      assert.equal(n.HostConfig.CgroupParent, c.HostConfig.CgroupParent, `${c.Name}: in the emulated host's cgroup`);
    }
    const parent = was[0]!.HostConfig.CgroupParent;
    if (parent) {
      const limit = Number(readFileSync(`/sys/fs/cgroup/memory${parent}/memory.limit_in_bytes`, "utf8"));
      assert.equal(limit, 2 * 2 ** 30, "the emulated host's 2 GiB memory cgroup");
    }
    const afterBoot = python<Unacked>("redelivery_client.py", { op: "unacked", broker });
    const w = python<Waited>("redelivery_client.py", {
      op: "wait",
      url: ledgerHost,
      tokens,
      since: at,
      timeout: VISIBILITY_S + 300,
      settle: 5,
    });
    const { lost, twice } = tally(
      `host 'rebooted' 3 s into 300 tasks of 0.2 s (${queuedBefore.queued} queued + ${queuedBefore.unacked.length} held ` +
        `before; ${afterBoot.queued} queued + ${afterBoot.unacked.length} held after the boot; stack back after ${backAfter.toFixed(0)} s)`,
      tokens,
      w,
    );
    assert.deepEqual(lost, [], "every task ran after the reboot");
    const args = JSON.parse(dock("inspect", "--format", "{{json .Args}}", out.workerContainers[0]!)) as string[];
    const held =
      Number(args[args.indexOf("--concurrency") + 1]) * Number(args[args.indexOf("--prefetch-multiplier") + 1]);
    assert.ok(twice.length <= held, `executed twice ${twice.length} ≤ ${held} held by the worker`);
    // The doctor names the boot: the engine started after the deploy and started each of the stack's containers again.
    const r = doctorJson(stack);
    showDoctor("host 'rebooted'", r);
    const engineRow = findingOf(r, "dockerd", "engine restart");
    assert.equal(engineRow?.severity, "warning", JSON.stringify(engineRow));
    const restarted = /; it restarted (.*)$/.exec(engineRow.measured)?.[1]?.split(", ") ?? [];
    assert.deepEqual(restarted.sort(), was.map((c) => c.Name.replace(/^\//, "")).sort(), engineRow.measured);
    assert.deepEqual(
      r.findings.filter((f) => f.severity === "failure").map((f) => `${f.subject} ${f.check}: ${f.measured}`),
      [],
      "nothing failed once the stack is back",
    );
  });
});
