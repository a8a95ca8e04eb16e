// Celery beat end to end: a throw-away stack with the demo pool and beat.schedule running demo.tick every few
// seconds. Each run appends when it ran and which producer sent it, so the test counts runs against the schedule and
// would see a second scheduler (two origins, or two runs closer than half an interval). The beat process is then
// killed as the kernel kills it (SIGKILL from the host: an OOM kill, a crash) — Docker restarts it, the runs go on —
// and the container with `docker kill` — Docker leaves a container killed through its API stopped; the next
// `pulumi up` starts it again, and beat resumes from the schedule state its volume kept.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, leftovers, repo, TestStack, testStackName } from "./harness";

const PORT = 27401; // Redis; the exporter on PORT + 10000 (demoPoolStack)
const EVERY = 3; // seconds between two runs of demo.tick
const TICKS = "queuekit:demo:ticks";
// A slow entry proves the state file: killed before its first run and restarted, beat must still run it one interval
// after its first start (the last run it kept), not one interval after the restart (what a fresh state would do).
const SLOW_EVERY = 90;
const SLOW = "queuekit:demo:slow";

interface Outputs {
  readonly beatContainer: string;
  readonly redisContainer: string;
  readonly workerContainers: string[];
  readonly memoryPlan: { readonly beat: { readonly limit: { readonly bytes: number } } };
}

interface Run {
  readonly at: number;
  readonly origin: string;
  readonly id: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** redis-cli inside the stack's Redis, the password read there (never in an argv); commands on stdin. */
function redis(container: string, commands: string): string {
  const cli = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf)" exec redis-cli -p ${PORT}`;
  const r = spawnSync("docker", ["exec", "-i", container, "sh", "-c", cli], { input: commands, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const runs = (container: string, key = TICKS): Run[] =>
  redis(container, `LRANGE ${key} 0 -1\n`)
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Run);

/** The runs since `from` (s since the epoch), their gaps, and what a second scheduler would leave. */
function summary(all: Run[], from: number) {
  const these = all.filter((r) => r.at >= from).sort((a, b) => a.at - b.at);
  const gaps = these.slice(1).map((r, i) => r.at - these[i].at);
  return {
    runs: these.length,
    origins: [...new Set(these.map((r) => r.origin))],
    minGap: gaps.length ? Math.min(...gaps) : Infinity,
    maxGap: gaps.length ? Math.max(...gaps) : 0,
    ids: new Set(these.map((r) => r.id)).size,
  };
}

function beatContainers(stack: string): string[] {
  return docker(`ps -a --filter label=queuekit.stack=${stack} --filter label=queuekit.role=beat --format '{{.Names}}'`)
    .split("\n")
    .filter(Boolean);
}

async function waitRunning(container: string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    if (inspect<{ State: { Running: boolean } }>(container).State.Running) return;
    await sleep(1000);
  }
  assert.fail(`${container} not running after ${seconds} s`);
}

/** Waits `seconds`, then checks the runs of that window: on schedule, one sender, no run twice. */
async function window(out: Outputs, seconds: number, label: string, lost = 0) {
  const from = Date.now() / 1000;
  await sleep(seconds * 1000);
  const s = summary(runs(out.redisContainer), from);
  const expected = seconds / EVERY;
  console.log(
    `${label}: ${s.runs} runs in ${seconds} s (every ${EVERY} s: ${expected}), gaps ${s.minGap.toFixed(2)}–${s.maxGap.toFixed(2)} s, senders ${s.origins.join(", ")}`,
  );
  assert.equal(s.ids, s.runs, "a task id ran twice");
  // A second scheduler would send each entry again: runs closer than half an interval.
  assert.ok(s.minGap > EVERY / 2, `two runs ${s.minGap.toFixed(2)} s apart: a second scheduler`);
  assert.ok(s.runs >= expected - 1 - lost && s.runs <= expected + 1, `${s.runs} runs, ${expected} scheduled`);
  return s;
}

describe("celery beat: one scheduler, on schedule, through kills", () => {
  let stack: TestStack;
  let out: Outputs;
  /** When beat first started (s since the epoch): its schedule's entries count from there. */
  let started: number;

  before(async () => {
    stack = demoPoolStack(testStackName("beat"), PORT);
    appendFileSync(
      path.join(repo, `Pulumi.${stack.name}.yaml`),
      [
        "  queuekit:beat:",
        "    enabled: true",
        "    schedule:",
        "      - task: demo.tick",
        `        every: ${EVERY}s`,
        "      - name: slow",
        "        task: demo.tick",
        `        every: ${SLOW_EVERY}`,
        `        kwargs: { key: "${SLOW}" }`,
        "",
      ].join("\n"),
    );
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`pulumi up with beat: ${up.seconds.toFixed(1)} s`);
    out = JSON.parse(stack.pulumi("stack output --json").stdout) as Outputs;
    await waitRunning(out.beatContainer);
    started = Date.parse(inspect<{ State: { StartedAt: string } }>(out.beatContainer).State.StartedAt) / 1000;
  });

  after(() => {
    const name = stack?.name;
    stack?.dispose();
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("is one container, planned, hardened, restarted by Docker, its state on the stack's volume; no worker runs -B", () => {
    assert.deepEqual(beatContainers(stack.name), [out.beatContainer]);
    const c = inspect<{
      Config: { User: string; Cmd: string[] };
      HostConfig: {
        Memory: number;
        MemorySwap: number;
        CapDrop: string[];
        SecurityOpt: string[];
        RestartPolicy: { Name: string };
      };
      Mounts: { Type: string; Name: string; Destination: string }[];
    }>(out.beatContainer);
    assert.equal(c.HostConfig.Memory, out.memoryPlan.beat.limit.bytes);
    assert.equal(c.HostConfig.MemorySwap, c.HostConfig.Memory);
    assert.deepEqual(c.HostConfig.CapDrop, ["ALL"]);
    assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges:true"]);
    assert.equal(c.HostConfig.RestartPolicy.Name, "unless-stopped");
    assert.notEqual(docker(`exec ${out.beatContainer} id -u`), "0");
    assert.deepEqual(
      c.Mounts.map((m) => [m.Type, m.Name, m.Destination]).sort((a, b) => a[2].localeCompare(b[2])),
      [
        ["volume", `qk-${stack.name}-beat-config`, "/etc/queuekit"],
        ["volume", `qk-${stack.name}-beat-state`, "/var/lib/celery-beat"],
      ],
    );
    for (const w of out.workerContainers) {
      const argv = inspect<{ Config: { Cmd: string[] } }>(w).Config.Cmd;
      assert.ok(!argv.includes("-B") && !argv.includes("--beat"), `${w} embeds a beat: ${argv.join(" ")}`);
    }
    const status = docker(`exec ${out.beatContainer} cat /proc/1/status`);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) * 1024;
    const pids = inspect<{ HostConfig: { PidsLimit: number; ReadonlyRootfs: boolean } }>(out.beatContainer).HostConfig;
    console.log(`beat threads ${/Threads:\s+(\d+)/.exec(status)?.[1]}, PIDs bound ${pids.PidsLimit}`);
    assert.equal(pids.ReadonlyRootfs, true);
    console.log(
      `beat RSS ${(rss / 2 ** 20).toFixed(1)} MiB of its ${out.memoryPlan.beat.limit.bytes / 2 ** 20} MiB limit`,
    );
    assert.ok(rss < out.memoryPlan.beat.limit.bytes * 0.75, "beat's RSS leaves a quarter of its limit");
  });

  it("runs the periodic task on schedule, from one sender", async () => {
    await window(out, 30, "running");
  });

  it("killed as the kernel kills it (SIGKILL to its process), Docker restarts it and the runs go on", async () => {
    const before = inspect<{ State: { Pid: number }; RestartCount: number }>(out.beatContainer);
    process.kill(before.State.Pid, "SIGKILL");
    const from = Date.now() / 1000;
    await sleep(2000);
    await waitRunning(out.beatContainer);
    assert.equal(inspect<{ RestartCount: number }>(out.beatContainer).RestartCount, before.RestartCount + 1);
    // The restart costs a run at most (Python and Celery start in ~2 s); the state file says when each ran last.
    const s = await window(out, 30, "after SIGKILL", 1);
    assert.equal(s.origins.length, 1, "one sender after the restart");
    // Across the restart too: the restarted beat knew the last run and sent nothing early.
    const across = summary(runs(out.redisContainer), from - 2 * EVERY);
    assert.ok(across.minGap > EVERY / 2, `a run ${across.minGap.toFixed(2)} s after another across the restart`);
    // The slow entry, killed before its first run: due one interval after beat's first start, as its state says
    // (a fresh state would run it one interval after the restart). Beat starts a few seconds after its container.
    const killedAt = from - started;
    assert.ok(killedAt < SLOW_EVERY - 30, `the kill (${killedAt.toFixed(1)} s) came well before the slow entry's run`);
    await sleep(Math.max(0, (started + SLOW_EVERY + 12 - Date.now() / 1000) * 1000));
    const slow = runs(out.redisContainer, SLOW).map((r) => r.at - started);
    console.log(
      `slow entry (every ${SLOW_EVERY} s, beat killed at ${killedAt.toFixed(1)} s): ran at ${slow.map((t) => t.toFixed(1)).join(", ")} s after the first start`,
    );
    assert.equal(slow.length, 1, "the slow entry ran once, one interval after the first start");
    assert.ok(
      slow[0] > SLOW_EVERY - 1 && slow[0] < SLOW_EVERY + 10,
      `ran ${slow[0].toFixed(1)} s after the first start`,
    );
  });

  it("killed with `docker kill`, it stays stopped (Docker's rule for a container stopped through its API) until the next `pulumi up` starts it", async () => {
    docker(`kill ${out.beatContainer}`);
    await sleep(5000);
    const state = inspect<{ State: { Running: boolean; Status: string } }>(out.beatContainer).State;
    assert.equal(state.Running, false, "Docker restarted a container killed through its API");
    const up = stack.pulumi("up --yes --skip-preview --refresh");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    await waitRunning(out.beatContainer);
    assert.deepEqual(beatContainers(stack.name), [out.beatContainer], "still one beat");
    await window(out, 30, "after docker kill and pulumi up");
    // Its health check: the state file written within the last 10 minutes (a sync at least every 3 min).
    const t0 = Date.now();
    let health = "";
    while (Date.now() - t0 < 120_000 && health !== "healthy") {
      health = inspect<{ State: { Health?: { Status: string } } }>(out.beatContainer).State.Health?.Status ?? "none";
      if (health !== "healthy") await sleep(2000);
    }
    assert.equal(health, "healthy");
  });
});
