// `npm run doctor` after each fault of the fault suite, one after another on a throw-away stack (real Pulumi CLI and
// dockerd): a worker cut off from Redis, Redis SIGKILLed by `docker kill` (Docker leaves it stopped) and by a kill of
// its process (Docker restarts it), a worker container OOM-killed. Each: the check that names it, the exit code, and
// the doctor clean again where the fault leaves no history. The engine restart: the doctor's engine check against a
// throw-away dockerd (test/e2e/dockerEngine.ts) restarted without live-restore; the shared engine never is.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { engineFindings, epochOf, gatherEngine } from "../../scripts/doctor/engine";
import type { Runner } from "../../scripts/doctor/host";
import type { ContainerFacts, Expectations } from "../../scripts/doctor/types";
import { loadImage, startAgain, startTestEngine, stopEngine, type TestEngine } from "./dockerEngine";
import { type DoctorRun, doctorJson, findingOf, problems, showDoctor } from "./doctorRun";
import { docker, inspect, leftovers, pythonJson, repo, TestStack, testStackName, waitForNode } from "./harness";

/** Redis on 28700, the exporter on 28701: both inside this test's port range. */
const PORT = 28700;
const EXPORTER_PORT = 28701;

type State = {
  State: { Status: string; Pid: number; OOMKilled: boolean; Health?: { Status: string } };
  RestartCount: number;
  HostConfig: { Memory: number };
  NetworkSettings: { Networks: Record<string, unknown> };
};

const sleep = (s: number) => spawnSync("sleep", [String(s)]);

function waitHealthy(container: string, seconds = 120): void {
  for (let i = 0; i < seconds; i++) {
    if (inspect<State>(container).State.Health?.Status === "healthy") return;
    sleep(1);
  }
  assert.fail(`${container} not healthy after ${seconds} s`);
}

/** The doctor until it exits `code` (a worker's health and broker link settle after Redis is back), at most `seconds`. */
function doctorUntil(stack: TestStack, code: number, seconds = 90): DoctorRun {
  let r = doctorJson(stack);
  for (let waited = 0; r.code !== code && waited < seconds; waited += 5) {
    sleep(5);
    r = doctorJson(stack);
  }
  return r;
}

describe("npm run doctor names each fault of the fault suite", () => {
  let stack: TestStack;
  let redisName: string;
  let worker: string;
  let broker: string;
  let node: string;

  before(() => {
    const template = readFileSync(path.join(repo, "Pulumi.local.yaml"), "utf8");
    assert.match(template, /port: 16379[\s\S]*port: 19121/, "Pulumi.local.yaml's Redis and exporter ports");
    stack = new TestStack(testStackName("docfault"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace("port: 16379", `port: ${PORT}`)
        .replace("port: 19121", `port: ${EXPORTER_PORT}`)
        .concat(
          [
            "  queuekit:workers:",
            "    - name: default",
            "      image: queuekit/celery-demo:local",
            "      app: demo",
            "      queues: [celery]",
            "      concurrency: 2",
            "      perChildMemory: 96MiB",
            "      timeLimit: 10",
            "",
          ].join("\n"),
        ),
    );
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as {
      redisContainer: string;
      redisUrl: string;
      workerContainers: string[];
      workerNodes: string[];
    };
    redisName = out.redisContainer;
    worker = out.workerContainers[0];
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    node = out.workerNodes[0];
    waitHealthy(redisName);
    waitHealthy(worker);
    waitForNode(broker, node);
  });
  after(() => {
    const name = stack?.name;
    stack?.dispose();
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("a fresh stack: exit 0, the engine up since before the deploy", () => {
    const r = doctorJson(stack);
    showDoctor("fresh stack", r);
    assert.equal(r.code, 0, problems(r).join("\n"));
    const engine = findingOf(r, "dockerd", "engine restart");
    assert.equal(engine?.severity, "ok", JSON.stringify(engine));
    assert.match(engine.measured, /^up since \d{4}-\d\d-\d\dT/);
  });

  it("a worker's Redis unreachable (off the stack network): exit 2, reaches Redis names the worker; clean once back", () => {
    const networks = Object.keys(inspect<State>(worker).NetworkSettings.Networks);
    assert.equal(networks.length, 1, `one stack network: ${networks.join(", ")}`);
    docker(`network disconnect ${networks[0]} ${worker}`);
    let cut: DoctorRun;
    try {
      cut = doctorJson(stack);
    } finally {
      docker(`network connect ${networks[0]} ${worker}`);
    }
    showDoctor("worker off the stack network", cut);
    assert.equal(cut.code, 2);
    assert.deepEqual(
      problems(cut).filter((p) => p.includes("reaches Redis")),
      [`FAIL ${worker} reaches Redis: ${findingOf(cut, worker, "reaches Redis")!.measured}`],
    );
    assert.match(findingOf(cut, worker, "reaches Redis")!.measured, new RegExp(`^redis:${PORT}: \\S`));
    const back = doctorUntil(stack, 0);
    assert.equal(back.code, 0, problems(back).join("\n"));
  });

  it("Redis SIGKILLed by `docker kill -s KILL`: Docker leaves it stopped — exit 2, its state and INFO named; clean after docker start", () => {
    const was = inspect<State>(redisName);
    docker(`kill -s KILL ${redisName}`);
    sleep(5);
    const now = inspect<State>(redisName);
    // `docker kill` counts as stopped by hand: the unless-stopped policy does not restart it.
    assert.deepEqual([now.State.Status, now.RestartCount], ["exited", was.RestartCount]);
    const r = doctorJson(stack);
    showDoctor("Redis docker kill -s KILL", r);
    assert.equal(r.code, 2);
    assert.deepEqual(
      [findingOf(r, redisName, "state")?.severity, findingOf(r, redisName, "state")?.measured],
      ["failure", "exited"],
    );
    assert.equal(findingOf(r, redisName, "INFO")?.severity, "failure");
    docker(`start ${redisName}`);
    waitHealthy(redisName);
    waitForNode(broker, node, 120);
    const back = doctorUntil(stack, 0);
    showDoctor("Redis started again (docker start)", back);
    assert.equal(back.code, 0, problems(back).join("\n"));
  });

  it("Redis' process SIGKILLed (the fault suite's kill): Docker restarts it — exit 1, its restarts named", () => {
    const was = inspect<State>(redisName);
    assert.equal(spawnSync("kill", ["-KILL", String(was.State.Pid)]).status, 0, "kill -KILL the redis-server process");
    let now = was;
    for (let i = 0; i < 60 && now.RestartCount === was.RestartCount; i++) {
      sleep(1);
      now = inspect<State>(redisName);
    }
    assert.equal(now.RestartCount, was.RestartCount + 1, "Docker's restart policy restarted Redis");
    waitHealthy(redisName);
    waitForNode(broker, node, 120);
    const r = doctorUntil(stack, 1);
    showDoctor("Redis process SIGKILL, restarted by Docker", r);
    assert.equal(r.code, 1, problems(r).join("\n"));
    // RestartCount is Docker's count since the container was created: the warning stays until it is recreated.
    assert.deepEqual(problems(r), [`WARN ${redisName} restarts: 1`]);
  });

  it("a worker container OOM-killed (its PID 1): exit 2, OOMKilled and its restart named", () => {
    const was = inspect<State>(worker);
    const limitMiB = was.HostConfig.Memory / 2 ** 20;
    // The kernel kills the cgroup's process of highest badness: make it the worker's PID 1, not a prefork child.
    writeFileSync(`/proc/${was.State.Pid}/oom_score_adj`, "1000");
    const children = spawnSync("pgrep", ["-P", String(was.State.Pid)], { encoding: "utf8" }).stdout.split("\n");
    for (const child of children.filter(Boolean)) writeFileSync(`/proc/${child}/oom_score_adj`, "0");
    // Two heavy tasks together past the container's limit (the worker runs two at once).
    const calls = [0, 1].map((i) => ({
      name: "demo.heavy",
      kwargs: { token: `docfault-${process.pid}-${i}`, mib: Math.ceil(limitMiB * 0.55), hold_seconds: 5 },
    }));
    pythonJson("redelivery_client.py", { op: "send", broker, calls });
    let now = was;
    for (let i = 0; i < 120 && now.RestartCount === was.RestartCount; i++) {
      sleep(0.5);
      now = inspect<State>(worker);
    }
    assert.equal(now.RestartCount, was.RestartCount + 1, "Docker's restart policy restarted the worker");
    assert.ok(now.State.OOMKilled, "docker inspect: OOMKilled");
    const r = doctorJson(stack);
    showDoctor(`worker container OOM-killed (limit ${limitMiB} MiB)`, r);
    assert.equal(r.code, 2, problems(r).join("\n"));
    assert.deepEqual(
      [
        findingOf(r, worker, "OOMKilled")?.severity,
        findingOf(r, worker, "restarts")?.severity,
        findingOf(r, worker, "restarts")?.measured,
      ],
      ["failure", "warning", "1"],
    );
    // Nothing else failed: the other failures would be a stopped worker or Redis, which this fault must not cause.
    assert.deepEqual(
      r.findings.filter((f) => f.severity === "failure").map((f) => `${f.subject} ${f.check}`),
      [`${worker} OOMKilled`],
    );
  });
});

describe("the doctor's engine check on a throw-away dockerd restarted", () => {
  let engine: TestEngine;
  const name = `qk-e2e-docfault-engine-${process.pid}`;
  /** The doctor's commands against the throw-away engine: DOCKER_HOST names its socket (the probe finds its dockerd by it). */
  const run: Runner = (script, input) => {
    const r = spawnSync("sh", ["-c", script], {
      input,
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: engine.host },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const dock = (...args: string[]): string => {
    const r = engine.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const container = (): ContainerFacts => {
    const [c] = JSON.parse(dock("inspect", name)) as {
      Created: string;
      State: { Status: string; StartedAt: string };
    }[];
    return {
      name,
      exists: true,
      status: c.State.Status,
      createdAt: epochOf(c.Created),
      startedAt: epochOf(c.State.StartedAt),
    };
  };
  /** Only what the engine rows read: the stack's name and whether the kit's daemon.json (live-restore) is expected. */
  const expect = { stack: "docfault", host: { liveRestore: true } } as unknown as Expectations;
  const engineRows = () => engineFindings(expect, gatherEngine(run), [container()]);

  before(async () => {
    engine = await startTestEngine(JSON.stringify({ "live-restore": false }));
    loadImage(engine, "queuekit/redis:7-local");
    dock(
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "none",
      "--restart",
      "unless-stopped",
      "queuekit/redis:7-local",
      "redis-server",
      "--save",
      "",
      "--appendonly",
      "no",
      "redis-server",
      "--save",
      "",
      "--appendonly",
      "no",
    );
  });
  after(async () => {
    await engine?.stop();
  });

  it("an engine restart without live-restore: ok before; after it a warning naming the container it restarted", async () => {
    const before = engineRows();
    assert.deepEqual(
      before.map((f) => [f.severity, f.check, f.measured]),
      [
        ["warning", "live-restore", "false"],
        ["ok", "engine restart", before[1].measured],
      ],
    );
    assert.match(before[1].measured, /^up since \d{4}-/);
    const startedBefore = container().startedAt;
    sleep(8); // the engine's start must come later than the container's creation by more than the clock slack
    await startAgain(engine, await stopEngine(engine), 120);
    for (let i = 0; i < 60 && container().startedAt === startedBefore; i++) sleep(0.5);
    const rows = engineRows();
    console.log(
      `# engine restarted without live-restore: ${rows.map((f) => `${f.severity} ${f.check}: ${f.measured}`).join(" | ")}`,
    );
    assert.deepEqual(
      rows.map((f) => [f.severity, f.check, f.measured.replace(/^restarted \S+, [^;]+ after/, "restarted T, N after")]),
      [
        ["warning", "live-restore", "false"],
        ["warning", "engine restart", `restarted T, N after the deploy; it restarted ${name}`],
      ],
    );
    assert.match(rows[1].action, /LiveRestoreEnabled/);
  });
});
