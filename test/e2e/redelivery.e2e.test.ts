// Messages a worker has reserved but not started (prefetch > 1, late acks), through the real Pulumi CLI and dockerd:
// a worker container killed with SIGKILL gets them delivered again after the visibility timeout (at least once,
// doubles bounded by what it held); a warm shutdown (docker stop) puts them back on the queue at once.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, inspect, pythonJson, TestStack, testStackName, waitForNode } from "./harness";

const PORT = 26382;
const TIME_LIMIT_S = 5;
const PREFETCH = 4;
interface Outputs {
  redisUrl: string;
  workerContainers: string[];
  workerNodes: string[];
}
interface Unacked {
  unacked: { id: string; task: string; token: string | null; delivered_at: number }[];
  queued: number;
}
interface Waited {
  counts: Record<string, number>;
  first_seen: Record<string, number>;
}

const python = <T>(script: string, request: object): T => pythonJson<T>(script, request);
const sleep = (s: number) => spawnSync("sleep", [String(s)]);
const running = (c: string) => inspect<{ State: { Running: boolean } }>(c).State.Running;

describe("reserved messages and a dying worker (prefetch > 1, late acks), end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  let container: string;

  /** One task of `holdSeconds` then `short` tasks of 0.3 s, each counted in the ledger by its token. */
  const burst = (prefix: string, holdSeconds: number, short: number) => {
    const tokens = [...Array(short + 1).keys()].map((i) => `${prefix}-${process.pid}-${i}`);
    const calls = tokens.map((token, i) => ({
      name: "demo.heavy",
      kwargs: { token, ledger: out.redisUrl, mib: 1, hold_seconds: i === 0 ? holdSeconds : 0.3 },
    }));
    const sent = python<{ sent_at: number }>("redelivery_client.py", { op: "send", broker, calls });
    return { tokens, sentAt: sent.sent_at };
  };
  /** Poll until the worker holds `PREFETCH` of our messages unacknowledged (1 running + the reserved). */
  const reserved = (tokens: string[]): Unacked => {
    let u: Unacked = { unacked: [], queued: 0 };
    for (let i = 0; i < 80; i++) {
      u = python<Unacked>("redelivery_client.py", { op: "unacked", broker });
      if (u.unacked.filter((m) => m.token && tokens.includes(m.token)).length >= PREFETCH) return u;
      sleep(0.25);
    }
    assert.fail(`the worker never held ${PREFETCH} messages: ${JSON.stringify(u)}`);
  };
  const waitForWorker = () => waitForNode(broker, out.workerNodes[0]);

  before(() => {
    stack = demoPoolStack(testStackName("redelivery"), PORT, [
      "concurrency: 1",
      "perChildMemory: 96MiB",
      `prefetchMultiplier: ${PREFETCH}`,
      `timeLimit: ${TIME_LIMIT_S}`,
    ]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    container = out.workerContainers[0];
    waitForWorker();
  });
  after(() => stack?.dispose());

  it("the plan and the rendered worker take prefetchMultiplier 4 and a 5 s time limit (visibility timeout 40 s)", () => {
    const args = inspect<{ Args: string[] }>(container).Args;
    assert.equal(args[args.indexOf("--prefetch-multiplier") + 1], String(PREFETCH));
    assert.equal(args[args.indexOf("--concurrency") + 1], "1");
    const conf = docker(
      `exec ${container} python3 -c "import queuekit_celeryconfig as c; print(c.worker_prefetch_multiplier, c.task_time_limit, c.task_acks_late, c.broker_transport_options['visibility_timeout'])"`,
    );
    assert.equal(conf, `${PREFETCH} ${TIME_LIMIT_S} True ${2 * TIME_LIMIT_S + 30}`);
  });

  it("docker kill -s KILL: every reserved message runs again after the visibility timeout; doubles only among what the worker held", () => {
    const { tokens, sentAt } = burst("kill", 3, 7);
    const held = reserved(tokens);
    const heldTokens = held.unacked.map((m) => m.token).filter((t): t is string => t !== null && tokens.includes(t));
    const deliveredAt = Math.min(...held.unacked.map((m) => m.delivered_at));
    const killedAt = Date.now() / 1000;
    docker(`kill -s KILL ${container}`);
    sleep(3);
    const restartedByDocker = running(container);
    if (!restartedByDocker) docker(`start ${container}`);
    const w = python<Waited>("redelivery_client.py", {
      op: "wait",
      url: broker,
      tokens,
      since: killedAt,
      timeout: 240, // visibility timeout + up to 100 s until kombu's next restore sweep
      settle: 5,
    });
    const lost = tokens.filter((t) => (w.counts[t] ?? 0) === 0);
    const doubled = tokens.filter((t) => (w.counts[t] ?? 0) > 1);
    const seen = (ts: string[]) => ts.map((t) => w.first_seen[t]).filter((s) => s !== undefined);
    const queuedTokens = tokens.filter((t) => !heldTokens.includes(t));
    console.log(
      `# SIGKILL of the worker container ${(killedAt - sentAt).toFixed(1)} s after the send: it held ${heldTokens.length} unacked ` +
        `(1 running + ${heldTokens.length - 1} reserved), ${held.queued} still queued; Docker's restart policy ` +
        `${restartedByDocker ? "restarted it" : "did not restart it (docker start)"}; the queued ones ran ` +
        `${Math.min(...seen(queuedTokens))}–${Math.max(...seen(queuedTokens))} s after the kill, the held ones ` +
        `${Math.min(...seen(heldTokens))}–${Math.max(...seen(heldTokens))} s after it, ` +
        `${(Math.max(...seen(heldTokens)) + killedAt - deliveredAt).toFixed(1)} s after their delivery (visibility timeout ` +
        `${2 * TIME_LIMIT_S + 30} s, then kombu 5.2's restore sweep: every 10th 10 s tick); lost ${lost.length}, ` +
        `ran twice ${doubled.length} of ${tokens.length}`,
    );
    assert.deepEqual(lost, [], "every token ran at least once");
    assert.ok(
      doubled.every((t) => heldTokens.includes(t)),
      `doubles only among the held: ${doubled}`,
    );
    assert.ok(
      tokens.every((t) => (w.counts[t] ?? 0) <= 2),
      "each ran at most twice",
    );
    const u = python<Unacked>("redelivery_client.py", { op: "unacked", broker });
    assert.deepEqual(
      u.unacked.filter((m) => m.token && tokens.includes(m.token)),
      [],
      "nothing of ours is left unacknowledged",
    );
  });

  it("docker stop (warm shutdown): the reserved messages go back to the queue at once; none lost, none doubled", () => {
    waitForWorker();
    const { tokens } = burst("warm", 3, 7);
    const held = reserved(tokens);
    const heldTokens = held.unacked.map((m) => m.token).filter((t): t is string => t !== null && tokens.includes(t));
    const stoppedAt = Date.now() / 1000;
    docker(`stop ${container}`);
    const stopSeconds = Date.now() / 1000 - stoppedAt;
    const afterStop = python<Unacked>("redelivery_client.py", { op: "unacked", broker });
    const ran = python<Waited>("redelivery_client.py", {
      op: "wait",
      url: broker,
      tokens,
      since: stoppedAt,
      timeout: 0,
      settle: 0,
    });
    const ranBeforeStop = tokens.filter((t) => ran.counts[t] > 0);
    docker(`start ${container}`);
    const w = python<Waited>("redelivery_client.py", {
      op: "wait",
      url: broker,
      tokens,
      since: stoppedAt,
      timeout: 120,
      settle: 5,
    });
    const done = Math.max(...Object.values(w.first_seen));
    console.log(
      `# docker stop with ${heldTokens.length} held (1 running + ${heldTokens.length - 1} reserved): the stop took ` +
        `${stopSeconds.toFixed(1)} s (the running task finished: ${ranBeforeStop.length} ran before it), then ` +
        `${afterStop.unacked.filter((m) => m.token && tokens.includes(m.token)).length} unacked and ${afterStop.queued} queued; ` +
        `all ${tokens.length} done ${done} s after the stop (visibility timeout ${2 * TIME_LIMIT_S + 30} s)`,
    );
    assert.deepEqual(
      afterStop.unacked.filter((m) => m.token && tokens.includes(m.token)),
      [],
      "nothing left unacknowledged after a warm shutdown",
    );
    assert.equal(afterStop.queued, tokens.length - ranBeforeStop.length, "the reserved ones are back on the queue");
    assert.deepEqual(
      tokens.filter((t) => w.counts[t] !== 1),
      [],
      `every token ran exactly once: ${JSON.stringify(w.counts)}`,
    );
    assert.ok(done < 2 * TIME_LIMIT_S + 30, "no wait for the visibility timeout");
  });
});
