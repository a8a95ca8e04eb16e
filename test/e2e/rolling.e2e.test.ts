// Rolling update end to end: a pool of 2 replicas busy with a backlog of 1-second tasks, each counted in a ledger when
// it finishes; its image changes and `pulumi up` replaces the replicas one at a time (replica 1 only once replica 0
// consumes again), each stopped with a warm shutdown, beat last. Every task finishes, each once; a worker runs all along.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, leftovers, ok, repo, sh, TestStack, testStackName, waitForNode } from "./harness";

const PORT = 28311; // Redis on loopback; the exporter on PORT + 1
const TAG = `queuekit-e2e/rolling-demo:${process.pid}`;
const IMAGES = [`${TAG}-a`, `${TAG}-b`];
const TASKS = 400;
const HOLD_S = 1;
const LEDGER_DB = 3;

interface Outputs {
  readonly redisUrl: string;
  readonly redisContainer: string;
  readonly workerContainers: string[];
  readonly workerNodes: string[];
}

const stackFile = (image: string) => (yaml: string) =>
  yaml
    .replace("port: 16379", `port: ${PORT}`)
    .replace("port: 19121", `port: ${PORT + 1}`)
    .concat(
      [
        "  queuekit:workers:",
        "    - name: default",
        `      image: ${image}`,
        '      runAs: "65534:65534"', // built from examples/celery-demo: USER nobody
        "      app: demo",
        "      queues: [celery]",
        "      replicas: 2",
        "      concurrency: 2",
        "      prefetchMultiplier: 1",
        "      timeLimit: 60",
        // The stack's scheduler runs the pool's image too: replaced last, once every replica runs the new one.
        "  queuekit:beat:",
        "    enabled: true",
        "",
      ].join("\n"),
    );

/** redis-cli inside the stack's Redis (the password read there), on the ledger's database. */
function ledger(container: string): Record<string, number> {
  const cli = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf)" exec redis-cli -p ${PORT} -n ${LEDGER_DB} --no-raw HGETALL queuekit:ledger`;
  const r = spawnSync("docker", ["exec", container, "sh", "-c", cli], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const words = [...r.stdout.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const counts: Record<string, number> = {};
  for (let i = 0; i + 1 < words.length; i += 2) counts[words[i]] = Number(words[i + 1]);
  return counts;
}

describe("rolling update: a new image, one replica at a time, nothing lost", () => {
  let stack: TestStack;
  let out: Outputs;
  const dir = mkdtempSync(path.join(tmpdir(), "qk-rolling-"));

  before(() => {
    // Two images of this checkout's demo app, different ids (a label), tags of the test's own.
    ok(`DOCKER_BUILDKIT=0 docker build -q -t ${IMAGES[0]} examples/celery-demo`);
    ok(`DOCKER_BUILDKIT=0 docker build -q --label queuekit.e2e.rev=b -t ${IMAGES[1]} examples/celery-demo`);
    stack = new TestStack(testStackName("rolling"), "Pulumi.local.yaml", stackFile(IMAGES[0]));
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
  });

  after(() => {
    const name = stack?.name;
    stack?.dispose();
    for (const image of IMAGES) sh(`docker image rm ${image}`);
    rmSync(dir, { recursive: true, force: true });
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("replaces the replicas one at a time under load: every task once, a consumer all along", async () => {
    const broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    for (const node of out.workerNodes) waitForNode(broker, node, 120);
    // The workers count into the stack's own Redis, another database: as they reach it.
    const ledgerUrl = out.redisUrl.replace(/\/\d+$/, `/${LEDGER_DB}`);
    const request = {
      broker,
      calls: Array.from({ length: TASKS }, (_, i) => ({
        name: "demo.heavy",
        kwargs: { token: `t${i}`, ledger: ledgerUrl, mib: 1, hold_seconds: HOLD_S },
      })),
      wait: false, // demo.heavy keeps no result: the ledger counts its runs
    };
    writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
    // The backlog, sent at once; the workers work it off during the `up`.
    const client = path.join(repo, "test/e2e/celery_client.py");
    ok(`/usr/bin/python3 ${client} <${path.join(dir, "request.json")} >/dev/null`);
    // Which worker containers run, and on which image, every half second through the rollout.
    const watch = spawn(
      "bash",
      [
        "-c",
        `while :; do echo "$(date +%s.%N) $(for role in worker beat; do docker ps --filter label=queuekit.stack=${stack.name} --filter label=queuekit.role=$role --format '{{.Names}}={{.Image}}'; done | sort | tr '\\n' ' ')"; sleep 0.5; done`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const samples: string[] = [];
    watch.stdout.on("data", (chunk: Buffer) => samples.push(...chunk.toString().split("\n").filter(Boolean)));
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the backlog is there and being worked on
    stack.rewrite(stackFile(IMAGES[1]));
    const up = await new Promise<{ code: number; text: string; seconds: number }>((resolve) => {
      const t0 = Date.now();
      const child = spawn(
        "bash",
        ["-c", `source scripts/env.sh && pulumi up --yes --skip-preview --stack ${stack.name} --non-interactive`],
        {
          cwd: repo,
          env: { ...process.env, ...stack.env },
        },
      );
      let text = "";
      child.stdout.on("data", (c: Buffer) => (text += c.toString()));
      child.stderr.on("data", (c: Buffer) => (text += c.toString()));
      child.on("exit", (code) => resolve({ code: code ?? -1, text, seconds: (Date.now() - t0) / 1000 }));
    });
    watch.kill();
    assert.equal(up.code, 0, up.text);
    // Every run counted, then a while longer: a task run twice would count again.
    let counts = ledger(out.redisContainer);
    for (let i = 0; i < 300 && Object.keys(counts).length < TASKS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      counts = ledger(out.redisContainer);
    }
    const done = Object.keys(counts).length;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    counts = ledger(out.redisContainer);
    const lost = request.calls.filter((c) => !(c.kwargs.token in counts)).length;
    const twice = Object.values(counts).filter((n) => n > 1).length;
    // A container's image as `docker ps` shows it (the tag, or the ID the kit pinned it to) → "a" or "b".
    const ids = IMAGES.map((image) => docker(`image inspect --format '{{.Id}}' ${image}`).replace("sha256:", ""));
    const revOf = (image: string): string => {
      const i = IMAGES.findIndex((tag, n) => image === tag || ids[n].startsWith(image.replace("sha256:", "")));
      return i < 0 ? image : "ab"[i];
    };
    const seen = samples.map((line) =>
      line
        .split(" ")
        .slice(1)
        .filter(Boolean)
        .map((entry) => `${entry.slice(0, entry.indexOf("="))}=${revOf(entry.slice(entry.indexOf("=") + 1))}`),
    );
    const running = seen.map((r) => r.filter((c) => !c.includes("-beat=")));
    const beatRev = seen.map((r) => r.find((c) => c.includes("-beat="))?.slice(-1));
    const minRunning = Math.min(...running.map((r) => r.length));
    const bothNew = running.findIndex((r) => r.length === 2 && r.every((c) => c.endsWith("=b")));
    console.log(
      `rolling update under load: up ${up.seconds.toFixed(1)} s; ${TASKS} tasks: ${done} ran, ` +
        `lost ${lost}, twice ${twice}; running workers min ${minRunning} over ${samples.length} samples`,
    );
    assert.match(up.text, /replaced/);
    assert.equal(done, TASKS, "every task ran");
    assert.equal(lost, 0, "no task lost");
    assert.equal(twice, 0, "no task ran twice: a warm shutdown finishes what runs, returns what waits");
    assert.ok(minRunning >= 1, `a worker container ran all along:\n${samples.join("\n")}`);
    assert.ok(bothNew >= 0, "both replicas end on the new image");
    // Beat last: never on the new image while a replica still runs the old one.
    const beatNew = beatRev.indexOf("b");
    assert.ok(
      beatNew === -1 || beatNew >= bothNew, // -1: replaced after the last sample, the final check below sees it
      `beat replaced after both replicas (samples ${beatNew} ≥ ${bothNew}):\n${samples.join("\n")}`,
    );
    assert.ok(
      seen.every((r, i) => beatRev[i] !== "b" || r.every((c) => c.endsWith("=b"))),
      `beat on the new image only once every replica was:\n${samples.join("\n")}`,
    );
    // One at a time: replica 1 was still on the old image while replica 0 already ran the new one.
    assert.ok(
      running.some((r) => r.some((c) => c.endsWith("-0=b")) && r.some((c) => c.endsWith("-1=a"))),
      `replica 0 new while replica 1 still old:\n${samples.join("\n")}`,
    );
    assert.deepEqual(
      docker(`ps --filter label=queuekit.stack=${stack.name} --filter label=queuekit.role=worker --format '{{.Image}}'`)
        .split("\n")
        .map(revOf),
      ["b", "b"],
    );
    assert.equal(
      revOf(
        docker(
          `ps --filter label=queuekit.stack=${stack.name} --filter label=queuekit.role=beat --format '{{.Image}}'`,
        ),
      ),
      "b",
      "beat ends on the new image",
    );
  });
});
