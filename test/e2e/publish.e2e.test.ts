// What a Celery producer sees when the stack's Redis refuses writes (maxmemory, noeviction), through the real
// Pulumi CLI and dockerd with Debian's Celery 5.2 / kombu 5.2 on the host: the exception, what Celery's publish
// retry does with it, that nothing refused runs later, and the back-off pattern of docs/producers.md.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoPoolStack, docker, repo, TestStack, testStackName, waitForNode } from "./harness";

const PORT = 26383;
const FILLER = "queuekit:test:filler";
/**
 * Filled to its planned maxmemory, Redis refuses a write only while used_memory > maxmemory, and client buffers move
 * used_memory by kilobytes: a small message gets in now and then. After the fill (at the planned maxmemory, test 1),
 * the tests set maxmemory this far below used_memory, so that Redis keeps refusing until the filler is deleted.
 */
const MARGIN = 2 ** 20;
interface Outputs {
  redisUrl: string;
  workerContainers: string[];
  workerNodes: string[];
  memoryPlan: { redis: { maxmemory: { bytes: number }; publishHeadroom: { bytes: number } } };
}
interface Raised {
  type: string;
  message: string;
}
interface Probe {
  accepted?: string;
  raised?: Raised[];
  is_refusal?: boolean;
  warm_id?: string;
  seconds: number;
  redis: { lpush_written: number; oom_refusals: number };
}
interface Backoff {
  accepted?: string;
  raised?: Raised[];
  attempts: number;
  seconds: number;
}
interface State {
  runs: number;
  queued: number;
  unacked: number;
  deliveries: number;
}
interface GuardedFill {
  accepted: number;
  seconds: number;
  raised: Raised[];
  is_refusal: boolean;
  transport: string;
  used_memory: number;
  maxmemory: number;
}
interface Filled {
  pushed_bytes: number;
  error: string;
  used_memory: number;
  maxmemory: number;
}

const script = path.join(repo, "test/e2e/producer.py");
function producer<T>(request: object): T {
  const r = spawnSync("/usr/bin/python3", [script], {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `producer.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
/**
 * The same, in the background: the test makes room in Redis while it runs. The request goes in through a file, not a
 * pipe: the test's spawnSync calls block Node's event loop, so a pipe would not be written until they are done.
 */
function producerAsync<T>(request: object): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "qk-producer-"));
  writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
  const stdin = openSync(path.join(dir, "request.json"), "r");
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", [script], {
      stdio: [stdin, "pipe", "pipe"],
    }) as ChildProcessWithoutNullStreams;
    closeSync(stdin);
    rmSync(dir, { recursive: true, force: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as T) : reject(new Error(`producer.py exited ${code}: ${stderr}`)),
    );
  });
}
const sleep = (s: number) => spawnSync("sleep", [String(s)]);
const OOM = /OOM command not allowed when used memory > 'maxmemory'/;

describe("a producer when Redis refuses writes (maxmemory, noeviction), end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  let broker: string;
  let worker: string;
  const tok = (name: string) => `${name}-${process.pid}`;
  const state = (token: string, id?: string) => producer<State>({ op: "state", url: broker, token, id });
  const restarts = () => Number(docker(`inspect -f '{{.RestartCount}}' ${worker}`));
  const fill = (margin = MARGIN) => producer<Filled>({ op: "fill", url: broker, key: FILLER, margin });
  const free = () =>
    producer<{ used_memory: number }>({
      op: "free",
      url: broker,
      key: FILLER,
      maxmemory: out.memoryPlan.redis.maxmemory.bytes,
    });
  const probe = (token: string, conf: object, extra: object = {}) =>
    producer<Probe>({ op: "probe", broker, token, ledger: out.redisUrl, conf, margin: MARGIN, ...extra });
  /** Poll the ledger until `token` ran (or `seconds` passed), then a little longer to see a second run. */
  const runsOf = (token: string, seconds = 30): number => {
    for (let i = 0; i < seconds * 2 && state(token).runs === 0; i++) sleep(0.5);
    sleep(2);
    return state(token).runs;
  };
  const waitForWorker = () => waitForNode(broker, out.workerNodes[0]);
  /** Each test starts with room in Redis and a running worker, whatever the one before left. */
  const ready = () => {
    free();
    if (docker(`inspect -f '{{.State.Running}}' ${worker}`) !== "true") docker(`start ${worker}`);
    waitForWorker();
  };
  const assertRefusal = (p: Probe, label: string) => {
    assert.ok(p.raised, `${label}: the send was refused, not accepted: ${JSON.stringify(p)}`);
    assert.equal(p.raised[0].type, "kombu.exceptions.OperationalError", label);
    assert.equal(p.raised[1].type, "redis.exceptions.ResponseError", label);
    assert.match(p.raised[0].message, OOM, label);
    assert.equal(p.is_refusal, true, `${label}: send_with_backoff's is_refusal recognises it`);
    assert.equal(p.redis.lpush_written, 0, `${label}: nothing was written`);
  };

  before(() => {
    // A small Redis (64 MiB container → maxmemory ≈ 25 MiB) and one worker child.
    stack = demoPoolStack(testStackName("publish"), PORT, [
      "concurrency: 1",
      "perChildMemory: 96MiB",
      "timeLimit: 5 # visibility timeout 40 s: a redelivery within the test",
    ]);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    worker = out.workerContainers[0];
    waitForWorker();
  });
  after(() => {
    try {
      if (out) free();
    } finally {
      stack?.dispose();
    }
  });

  it("a filler list brings Redis to its planned maxmemory, then it refuses writes", () => {
    const f = fill(0);
    assert.equal(f.maxmemory, out.memoryPlan.redis.maxmemory.bytes);
    assert.match(f.error, OOM);
    console.log(
      `# filler: ${(f.pushed_bytes / 2 ** 20).toFixed(1)} MiB pushed, used_memory ${f.used_memory} of maxmemory ${f.maxmemory}: "${f.error}"`,
    );
    free();
  });

  it("send_task raises kombu.exceptions.OperationalError (from redis ResponseError OOM); the publish retry resends once, whatever its policy", () => {
    // The worker is stopped: whatever Redis accepted stays in the queue where the test can see it.
    docker(`stop ${worker}`);
    const confs: Record<string, object> = {
      "default (task_publish_retry on, max_retries 3)": {},
      "task_publish_retry off": { task_publish_retry: false },
      "max_retries 10, interval_start 1 s": {
        task_publish_retry_policy: { max_retries: 10, interval_start: 1, interval_step: 1, interval_max: 2 },
      },
    };
    const tokens: string[] = [];
    const refusals: Record<string, { cold: number; warm: number }> = {};
    try {
      for (const [label, conf] of Object.entries(confs)) {
        // A fresh producer: its first publish also declares the queue (a MULTI … LLEN pipeline).
        const [coldToken, warmToken] = [tok(`cold-${tokens.length}`), tok(`warm-${tokens.length}`)];
        tokens.push(coldToken, warmToken);
        fill();
        const cold = probe(coldToken, conf);
        assertRefusal(cold, `${label}, fresh producer`);
        free();
        // A long-lived producer: it sent a task while there was room (accepted), then Redis filled up.
        const warm = probe(warmToken, conf, { warm_then_fill: FILLER });
        assert.ok(warm.warm_id, "the task sent while there was room was accepted");
        assertRefusal(warm, `${label}, producer that published before`);
        free();
        refusals[label] = { cold: cold.redis.oom_refusals, warm: warm.redis.oom_refusals };
        console.log(
          `# ${label}: fresh producer refused in ${cold.seconds} s (${cold.redis.oom_refusals} OOM replies), ` +
            `warm producer in ${warm.seconds} s (${warm.redis.oom_refusals}); the caller gets ` +
            `${warm.raised![0].type}: ${warm.raised![0].message} (cause ${warm.raised![1].type})`,
        );
      }
    } finally {
      free();
      docker(`start ${worker}`);
    }
    const off = refusals["task_publish_retry off"];
    // Off: one attempt. On: the first attempt, a reconnect, one more attempt, then kombu gives up (a transport
    // without "modern" error classes re-raises an error that persists after a successful reconnect).
    assert.equal(off.warm, 1, "retry off: a warm producer's LPUSH is refused once");
    for (const label of ["default (task_publish_retry on, max_retries 3)", "max_retries 10, interval_start 1 s"]) {
      assert.ok(refusals[label].cold === 2 * off.cold, `${label}: one resend of a fresh producer's declaration`);
      assert.ok(refusals[label].warm > off.warm, `${label}: resent once`);
    }
    assert.equal(
      refusals["default (task_publish_retry on, max_retries 3)"].warm,
      refusals["max_retries 10, interval_start 1 s"].warm,
      "max_retries does not change how often an OOM reply is retried",
    );
    waitForWorker();
    // What Redis refused never runs; what it accepted runs once.
    const warmTasks = tokens.filter((t) => t.startsWith("warm-")).map((t) => `${t}-warm`);
    for (const t of warmTasks) assert.equal(runsOf(t), 1, `${t} (accepted before the fill) ran once`);
    for (const t of tokens) assert.equal(state(t).runs, 0, `${t} was refused and never runs`);
  });

  it("send_with_backoff: refused while Redis is full, accepted once room is made, run exactly once", async () => {
    ready();
    fill();
    const token = tok("backoff");
    const progress = path.join(mkdtempSync(path.join(tmpdir(), "qk-backoff-")), "attempts");
    const pending = producerAsync<Backoff>({
      op: "backoff",
      broker,
      token,
      ledger: out.redisUrl,
      deadline: 180,
      progress,
    });
    // Room is made after its second attempt: a fixed sleep raced a slow Python start-up in CI (accepted at once).
    const attemptsSeen = () => (existsSync(progress) ? Number(readFileSync(progress, "utf8") || 0) : 0);
    for (let i = 0; i < 240 && attemptsSeen() < 2; i++) sleep(0.5);
    const refusedAttempts = attemptsSeen();
    const full = state(token);
    const freed = free();
    const b = await pending;
    rmSync(path.dirname(progress), { recursive: true, force: true });
    console.log(
      `# send_with_backoff: ${b.attempts} attempts, accepted after ${b.seconds} s (room made after attempt ${refusedAttempts}: ` +
        `used_memory ${freed.used_memory}); while refused, the queue held ${full.queued} messages`,
    );
    assert.ok(b.accepted, JSON.stringify(b));
    assert.ok(
      refusedAttempts >= 2 && b.attempts > 1,
      `it was refused first (attempts seen before room was made: ${refusedAttempts})`,
    );
    assert.equal(runsOf(token), 1, "the task ran exactly once");
  });

  it("a worker started while Redis refuses writes exits and is restarted until there is room; the queued message waits, then runs once", () => {
    // Queued while there is room, then Redis fills up before a worker takes it.
    ready();
    docker(`stop ${worker}`);
    const token = tok("consumed-at-oom");
    const sent = probe(token, {});
    assert.ok(sent.accepted);
    fill();
    const since = Math.floor(Date.now() / 1000);
    docker(`start ${worker}`);
    sleep(15);
    const atOom = state(token);
    const log = docker(`logs --since ${since} ${worker} 2>&1`);
    const restartCount = restarts();
    free();
    const runs = runsOf(token, 60);
    const oomLines = log.split("\n").filter((l) => OOM.test(l));
    console.log(
      `# a worker started while Redis was full: after 15 s the message was ${atOom.queued ? "still queued" : "off the queue"} ` +
        `(queued ${atOom.queued}, unacked ${atOom.unacked}, runs ${atOom.runs}); worker restarted ${restartCount} times by Docker; ` +
        `${oomLines.length} log lines with the OOM reply, first: ${oomLines[0]?.trim()}; after room was made it ran ${runs} time(s)`,
    );
    assert.ok(
      oomLines.some((l) => /Unrecoverable error: ResponseError/.test(l)),
      "the worker exits on the OOM reply",
    );
    assert.ok(restartCount >= 1, "Docker's restart policy brings it back");
    assert.deepEqual([atOom.queued, atOom.runs], [1, 0], "the message waits in the queue");
    assert.equal(runs, 1, "the message queued before the fill runs once after room is made");
  });

  it("a task that ends while Redis refuses writes: its ack is refused, the worker exits, the task is delivered again", () => {
    ready();
    const token = tok("ends-at-oom");
    const before = restarts();
    // Held below the pool's 4 s soft time limit.
    const sent = producer<Probe>({ op: "probe", broker, token, ledger: out.redisUrl, conf: {}, hold_seconds: 3 });
    assert.ok(sent.accepted);
    sleep(1); // the task has started (its delivery is counted), then Redis fills up while it runs
    const t0 = Date.now() / 1000;
    fill();
    sleep(6);
    const atOom = state(token, sent.accepted);
    const crashed = restarts() - before;
    const log = docker(`logs --since ${Math.floor(t0) - 2} ${worker} 2>&1`);
    free();
    const runs = runsOf(token, 200); // back on the queue at the worker's exit, or after the visibility timeout
    const again = state(token, sent.accepted);
    console.log(
      `# a task ending while Redis was full: ${atOom.unacked} unacked, ${atOom.queued} queued, ${crashed} worker restarts ` +
        `(${(log.match(/Unrecoverable error: .*/) ?? ["no crash logged"])[0].trim()}); after room was made it ` +
        `ran to completion ${runs} time(s), ${Math.round(Date.now() / 1000 - t0)} s after the fill; BoundedRedeliveryTask's counter says ${again.deliveries} deliveries ` +
        `(it expires after 2 × the visibility timeout, 80 s here)`,
    );
    // On a loaded machine the task can end before the fill lands: then its ack went through and nothing is refused.
    const ackRefused = atOom.unacked + atOom.queued === 1;
    if (ackRefused) assert.ok(crashed >= 1, "the worker exited on the refused ack and was restarted");
    else console.log("# the task ended before Redis was full (slow fill): its ack went through");
    assert.equal(runs, 1, "it completes exactly once, nothing lost");
  });

  it("send_with_backoff surfaces QueueFull at its deadline while Redis stays full", () => {
    ready();
    fill();
    const token = tok("deadline");
    const b = producer<Backoff>({ op: "backoff", broker, token, ledger: out.redisUrl, deadline: 3 });
    free();
    console.log(
      `# send_with_backoff, deadline 3 s: ${b.attempts} attempts in ${b.seconds} s, then ${b.raised?.[0].type}`,
    );
    assert.equal(b.raised?.[0].type, "__main__.QueueFull");
    assert.match(b.raised?.[1].message ?? "", OOM);
    assert.ok(b.seconds <= 3.5, "it gave up by its deadline");
    sleep(3);
    assert.equal(state(token).runs, 0, "the refused task never runs");
  });

  it("through the rendered celeryconfig, publishing stops at the plan's headroom below maxmemory; a worker started on that full queue drains it without a restart", () => {
    ready();
    docker(`stop ${worker}`);
    const dir = mkdtempSync(path.join(tmpdir(), "qk-config-"));
    let g: GuardedFill;
    try {
      for (const file of ["queuekit_celeryconfig.py", "queuekit_celery.py"])
        docker(`cp ${worker}:/etc/queuekit/${file} ${dir}/${file}`);
      // 32 KiB messages: the ~25 MiB of this Redis fill in a few hundred sends, which one child drains in seconds.
      g = producer<GuardedFill>({
        op: "guarded_fill",
        config_dir: dir,
        broker,
        token: tok("guarded"),
        ledger: out.redisUrl,
        pad: 32768,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const headroom = out.memoryPlan.redis.publishHeadroom.bytes;
    const left = g.maxmemory - g.used_memory;
    console.log(
      `# guarded publishing: ${g.accepted} messages of 32 KiB accepted in ${g.seconds} s, then ${g.raised[0].type} ` +
        `(${g.raised[1]?.type}): used_memory ${g.used_memory} of maxmemory ${g.maxmemory}, ${left} bytes left ` +
        `(plan's headroom ${headroom})`,
    );
    assert.equal(
      g.transport,
      "queuekit_celery.GuardedTransport",
      "the rendered config routes redis:// through the guard",
    );
    assert.equal(g.raised[0].type, "kombu.exceptions.OperationalError");
    assert.equal(g.raised[1].type, "queuekit_celery.QueueFull");
    assert.equal(g.is_refusal, true, "send_with_backoff treats it as Redis' own refusal");
    assert.ok(g.accepted > 100, "room was there before the guard refused");
    assert.ok(left >= headroom - 64 * 1024, `stopped before the headroom (${left} bytes left)`);
    assert.ok(left <= headroom + 512 * 1024, `stopped at the headroom, not far before it (${left} bytes left)`);

    const since = Math.floor(Date.now() / 1000);
    docker(`start ${worker}`);
    const restartedBefore = restarts();
    let runs = 0;
    for (let i = 0; i < 240 && runs < g.accepted; i++) {
      sleep(0.5);
      runs = state(tok("guarded")).runs;
    }
    const log = docker(`logs --since ${since} ${worker} 2>&1`);
    console.log(
      `# a worker started on that queue ran ${runs} of ${g.accepted}; restarts ${restarts() - restartedBefore}`,
    );
    assert.equal(runs, g.accepted, "every accepted message ran, once");
    assert.equal(restarts(), restartedBefore, "the worker never exited");
    assert.doesNotMatch(log, /Unrecoverable error/);
  });
});
