// Faults on a deployed stack, through the real Pulumi CLI and dockerd: Redis killed with SIGKILL while it holds a
// queue, and Redis cut off from the workers for 30 s while they work. Each case prints queued / completed / lost /
// executed twice. Tasks count their runs in a ledger Redis of the test's own, on the stack's network, so a fault of the
// broker never hides a run. (A worker container killed mid-task: redelivery.e2e.test.ts.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, pythonJson, type TestStack, testStackName, waitForNode } from "./harness";

const PORT = 26391;
const LEDGER_PORT = 26392;
const TIME_LIMIT_S = 10;
/** 2 × time limit + 30 s of stop grace (infra/render/celery.ts). */
const VISIBILITY_S = 2 * TIME_LIMIT_S + 30;
interface Outputs {
  redisUrl: string;
  redisContainer: string;
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

const python = <T>(request: object): T => pythonJson<T>("redelivery_client.py", request, 600_000);
const sleep = (s: number) => spawnSync("sleep", [String(s)]);
type State = { State: { Running: boolean; Pid: number; Health?: { Status: string } }; RestartCount: number };

/** What a fault did to `tokens`: the line every case prints, and the figures it asserts on. */
function tally(what: string, tokens: string[], w: Waited, queued: number) {
  const completed = tokens.filter((t) => (w.counts[t] ?? 0) > 0).length;
  const lost = tokens.filter((t) => (w.counts[t] ?? 0) === 0);
  const twice = tokens.filter((t) => (w.counts[t] ?? 0) > 1);
  console.log(
    `# ${what}: queued ${queued}, completed ${completed}, lost ${lost.length}, executed twice ${twice.length} ` +
      `(last first run ${Math.max(0, ...Object.values(w.first_seen)).toFixed(1)} s after the fault)`,
  );
  return { lost, twice };
}

describe("faults on a deployed stack: Redis killed, Redis unreachable", () => {
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  let worker: string;
  let ledgerName: string;
  const ledgerHost = `redis://127.0.0.1:${LEDGER_PORT}/0`;

  /** `n` demo.heavy calls holding `hold` seconds each, counted in the test's ledger by token. */
  const send = (prefix: string, n: number, hold: number): { tokens: string[]; sentAt: number } => {
    const tokens = [...Array(n).keys()].map((i) => `${prefix}-${process.pid}-${i}`);
    const calls = tokens.map((token) => ({
      name: "demo.heavy",
      kwargs: { token, ledger: "redis://ledger:6379/0", mib: 1, hold_seconds: hold },
    }));
    return { tokens, sentAt: python<{ sent_at: number }>({ op: "send", broker, calls }).sent_at };
  };
  const waitFor = (tokens: string[], since: number, timeout: number): Waited =>
    python<Waited>({ op: "wait", url: ledgerHost, tokens, since, timeout, settle: 5 });

  before(() => {
    stack = demoPoolStack(testStackName("faults"), PORT, [
      "concurrency: 2",
      "perChildMemory: 96MiB",
      `timeLimit: ${TIME_LIMIT_S}`,
    ]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    worker = out.workerContainers[0];
    ledgerName = `qk-e2e-ledger-${process.pid}`;
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

  it("Redis SIGKILLed holding 300 queued tasks: Docker restarts it with all 300 (AOF), then each runs once", () => {
    docker(`stop ${worker}`);
    const { tokens } = send("aof", 300, 0);
    const before = python<Unacked>({ op: "unacked", broker });
    assert.equal(before.queued, tokens.length, "all queued while the worker is stopped");
    // appendfsync everysec: a crash loses at most the last second of writes, so the kill comes 2 s after the last.
    sleep(2);
    const redis = out.redisContainer;
    const was = inspect<State>(redis);
    const killedAt = Date.now() / 1000;
    assert.equal(spawnSync("kill", ["-KILL", String(was.State.Pid)]).status, 0, "kill -KILL the redis-server process");
    let now = was;
    for (let i = 0; i < 60 && !(now.RestartCount > was.RestartCount && now.State.Health?.Status === "healthy"); i++) {
      sleep(1);
      now = inspect<State>(redis);
    }
    assert.equal(now.RestartCount, was.RestartCount + 1, "Docker's restart policy restarted Redis");
    assert.equal(now.State.Health?.Status, "healthy");
    const afterRestart = python<Unacked>({ op: "unacked", broker });
    docker(`start ${worker}`);
    const w = waitFor(tokens, killedAt, 180);
    const { lost, twice } = tally(
      `Redis SIGKILL with ${before.queued} queued, back after ${(Date.now() / 1000 - killedAt).toFixed(0)} s: ` +
        `${afterRestart.queued} still queued after the restart`,
      tokens,
      w,
      afterRestart.queued,
    );
    assert.equal(afterRestart.queued, tokens.length, "the AOF kept every queued message");
    assert.deepEqual(lost, []);
    assert.deepEqual(twice, []);
  });

  it("Redis unreachable from the workers for 30 s mid-burst: they reconnect; nothing lost, doubles bounded", () => {
    waitForNode(broker, out.workerNodes[0]);
    // 2 children × 0.2 s per task: about 30 s of work, cut off 3 s in.
    const { tokens } = send("cut", 300, 0.2);
    sleep(3);
    const network = `qk-${stack.name}`;
    const cutAt = Date.now() / 1000;
    docker(`network disconnect ${network} ${out.redisContainer}`);
    sleep(30);
    docker(`network connect --alias redis ${network} ${out.redisContainer}`);
    // Messages acked into a dead connection come back after the visibility timeout (+ kombu's restore sweep).
    const w = waitFor(tokens, cutAt, VISIBILITY_S + 240);
    const { lost, twice } = tally(
      "Redis cut off from the stack network for 30 s, 3 s into 300 tasks of 0.2 s",
      tokens,
      w,
      tokens.length,
    );
    assert.deepEqual(lost, [], "every task ran after the workers reconnected");
    // A run whose ack was lost with the connection runs again: at most what the worker held then.
    const args = inspect<{ Args: string[] }>(worker).Args;
    const held =
      Number(args[args.indexOf("--concurrency") + 1]) * Number(args[args.indexOf("--prefetch-multiplier") + 1]);
    assert.ok(twice.length <= held, `executed twice ${twice.length} ≤ ${held} held by the worker`);
    assert.ok(
      tokens.every((t) => (w.counts[t] ?? 0) <= 2),
      "none ran more than twice",
    );
  });
});
