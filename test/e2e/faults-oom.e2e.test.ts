// A worker container — its Celery parent, PID 1, not a prefork child — OOM-killed mid-task, through the real Pulumi CLI
// and dockerd: Docker restarts it, the tasks it held run again after the visibility timeout (doubles bounded by what it
// held), and a task past the limit is started a bounded number of times (BoundedRedeliveryTask),
// then fails visibly. Prints queued / completed / lost / executed twice. Tasks count their runs in a ledger Redis of the test's own.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, pythonJson, type TestStack, testStackName, waitForNode } from "./harness";

const PORT = 27301;
const LEDGER_PORT = 27302;
const TIME_LIMIT_S = 10;
/** 2 × time limit + 30 s of stop grace (infra/render/celery.ts). */
const VISIBILITY_S = 2 * TIME_LIMIT_S + 30;
/** QUEUEKIT_MAX_DELIVERIES' default (templates/celery/queuekit_celery.py). */
const MAX_DELIVERIES = 3;
interface Outputs {
  redisUrl: string;
  workerContainers: string[];
  workerNodes: string[];
}
interface Unacked {
  unacked: { token: string | null }[];
  queued: number;
}
interface Waited {
  counts: Record<string, number>;
  first_seen: Record<string, number>;
}
type State = {
  State: { Running: boolean; Pid: number; OOMKilled: boolean; ExitCode: number };
  RestartCount: number;
  HostConfig: { Memory: number };
  Args: string[];
};

const python = <T>(request: object): T => pythonJson<T>("redelivery_client.py", request, 600_000);
const sleep = (s: number) => spawnSync("sleep", [String(s)]);

describe("fault: a worker container OOM-killed mid-task", () => {
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  let worker: string;
  let ledgerName: string;
  const ledgerHost = `redis://127.0.0.1:${LEDGER_PORT}/0`;

  before(() => {
    stack = demoPoolStack(testStackName("oomfault"), PORT, [
      "concurrency: 2",
      "perChildMemory: 96MiB",
      `timeLimit: ${TIME_LIMIT_S}`,
    ]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    worker = out.workerContainers[0];
    ledgerName = `qk-e2e-oomledger-${process.pid}`;
    docker(
      `run -d --name ${ledgerName} --network qk-${stack.name} --network-alias ledger ` +
        `-p 127.0.0.1:${LEDGER_PORT}:6379 queuekit/redis:7-local redis-server --save '' --appendonly no --protected-mode no`,
    );
    waitForNode(broker, out.workerNodes[0]);
  });
  after(() => {
    spawnSync("docker", ["rm", "-f", ledgerName]);
    stack?.dispose();
  });

  it("Docker restarts it; its held tasks run again (doubles ≤ held), the task past the limit is bounded", () => {
    const was = inspect<State>(worker);
    const limitMiB = was.HostConfig.Memory / 2 ** 20;
    const held =
      Number(was.Args[was.Args.indexOf("--concurrency") + 1]) *
      Number(was.Args[was.Args.indexOf("--prefetch-multiplier") + 1]);
    // The kernel kills the cgroup's process with the highest badness (RSS + oom_score_adj × limit / 1000), which the
    // kit makes a prefork child (adj 500). Make it the parent (PID 1), as a parent grown past the limit would score:
    // parent 1000, its running children 0, so no child outscores it however the overrun splits between them (with the
    // children at 500, a bomb that got ahead past half the limit outscored the parent: CI, stop 21). Its children die with it.
    writeFileSync(`/proc/${was.State.Pid}/oom_score_adj`, "1000");
    const children = spawnSync("pgrep", ["-P", String(was.State.Pid)], { encoding: "utf8" })
      .stdout.split(/\s+/)
      .filter(Boolean);
    assert.ok(children.length > 0, "the worker's prefork children are running");
    for (const child of children) writeFileSync(`/proc/${child}/oom_score_adj`, "0");
    const tokens = [...Array(20).keys()].map((i) => `oom-${process.pid}-${i}`);
    const bombs = [`oom-${process.pid}-bomb`];
    const calls = [
      // Past the container's limit on its own: it never fits, so every delivery ends in an OOM kill, whatever runs
      // beside it (two tasks that only together overran it let one complete alone after the restart: a timing race).
      ...bombs.map((token) => ({
        name: "demo.heavy",
        kwargs: { token, ledger: "redis://ledger:6379/0", mib: Math.ceil(limitMiB * 1.2), hold_seconds: 5 },
      })),
      ...tokens.map((token) => ({
        name: "demo.heavy",
        kwargs: { token, ledger: "redis://ledger:6379/0", mib: 1, hold_seconds: 0.5 },
      })),
    ];
    const sentAt = python<{ sent_at: number }>({ op: "send", broker, calls }).sent_at;
    let now = was;
    for (let i = 0; i < 120 && now.RestartCount === was.RestartCount; i++) {
      sleep(0.5);
      now = inspect<State>(worker);
    }
    const killedAt = Date.now() / 1000;
    assert.equal(now.RestartCount, was.RestartCount + 1, "Docker's restart policy restarted the worker container");
    assert.ok(now.State.OOMKilled, "docker inspect: OOMKilled");
    console.log(
      `# worker container OOM-killed ${(killedAt - sentAt).toFixed(1)} s after the burst (limit ${limitMiB} MiB), restarted by Docker`,
    );
    waitForNode(broker, out.workerNodes[0]);
    const w = python<Waited>({
      op: "wait",
      url: ledgerHost,
      tokens,
      since: sentAt,
      timeout: VISIBILITY_S + 240,
      settle: 5,
    });
    const completed = tokens.filter((t) => (w.counts[t] ?? 0) > 0).length;
    const lost = tokens.filter((t) => (w.counts[t] ?? 0) === 0);
    const twice = tokens.filter((t) => (w.counts[t] ?? 0) > 1);
    // The bomb: started again after the restart, its child OOM-killed each time, until it is refused.
    let left: Unacked = python<Unacked>({ op: "unacked", broker });
    for (let i = 0; i < 120 && (left.queued > 0 || left.unacked.some((m) => bombs.includes(m.token ?? ""))); i++) {
      sleep(1);
      left = python<Unacked>({ op: "unacked", broker });
    }
    const bombRuns = python<Waited>({
      op: "wait",
      url: ledgerHost,
      tokens: bombs,
      since: sentAt,
      timeout: 1,
      settle: 0,
    });
    const bombRunsSeen = bombRuns.counts;
    const logs = spawnSync("docker", ["logs", worker], { encoding: "utf8" });
    const refused = /DeliveredTooOften/.test(logs.stdout + logs.stderr);
    const final = inspect<State>(worker);
    console.log(
      `# worker container OOM-killed mid-task: queued ${tokens.length + bombs.length}, completed ${completed} (+ the task ` +
        `past the limit: ${refused ? "refused after bounded redeliveries" : "not refused"}, ` +
        `completed ${bombs.filter((b) => (bombRunsSeen[b] ?? 0) > 0).length}), lost ${lost.length}, ` +
        `executed twice ${twice.length} (held ${held}); last first run ${Math.max(0, ...Object.values(w.first_seen)).toFixed(1)} s ` +
        `after the burst; container restarts ${final.RestartCount - was.RestartCount}`,
    );
    assert.deepEqual(lost, [], "every held task ran again");
    assert.ok(twice.length <= held, `executed twice ${twice.length} ≤ ${held} held by the worker`);
    assert.ok(
      tokens.every((t) => (w.counts[t] ?? 0) <= 2),
      "none ran more than twice",
    );
    assert.ok(
      bombs.every((b) => (bombRuns.counts[b] ?? 0) === 0),
      `the task past the limit never completed: ${JSON.stringify(bombRuns.counts)}`,
    );
    assert.ok(refused, `a task past the limit was refused after ${MAX_DELIVERIES} deliveries (DeliveredTooOften)`);
    assert.ok(!left.unacked.some((m) => bombs.includes(m.token ?? "")) && left.queued === 0, "nothing left looping");
    assert.equal(final.RestartCount - was.RestartCount, 1, "only the parent's OOM kill restarted the container");
  });
});
