// The example app (examples/webapp) end to end, as the README's walk-through runs it: its stack file deployed through
// the real CLI (both pools built on the engine from its Dockerfile, beat with the web pool's settings and secret), its
// web front started beside the stack, a task result over HTTP (a plain setting, signed with the secret), a 200 MiB
// report in the reports pool within its planned child memory, beat's periodic task on the interval the app read from
// the pool's env, and the secret in none of `docker inspect`, the state in clear, the logs or the outputs.
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { docker, inspect, leftovers, ok, type Result, sh, secretPlaces, TestStack, testStackName } from "./harness";

const PORT = 28801; // Redis on loopback
const WEB_PORT = 28803; // the web front on loopback
const HEARTBEAT_SECONDS = 10; // examples/webapp/Pulumi.webapp.yaml
const SECRET = `sk-${randomBytes(24).toString("hex")}`;
const MiB = 2 ** 20;

interface PoolPlan {
  readonly name: string;
  readonly budget: { readonly perUnit: number };
}
interface Outputs {
  readonly workerContainers: string[];
  readonly beatContainer: string;
  readonly memoryPlan: { readonly workers: PoolPlan[] };
}
interface Heartbeat {
  readonly at: number;
  readonly every: number;
  readonly same_key: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One request to the web front with curl (bounded by -m), as the README's walk-through makes it. */
function web(method: string, path: string): { status: number; body: Record<string, unknown> } {
  const r = sh(`curl -sS -m 60 -X ${method} -w '\\n%{http_code}' 'http://127.0.0.1:${WEB_PORT}${path}'`);
  if (r.code !== 0) return { status: 0, body: { error: r.stderr } };
  const lines = r.stdout.trimEnd().split("\n");
  return { status: Number(lines.pop()), body: JSON.parse(lines.join("\n") || "{}") as Record<string, unknown> };
}
/** The secret as it may show anywhere: as is, base64 (an upload's contentBase64), a prefix of it. */
const forms = [SECRET, Buffer.from(SECRET).toString("base64"), SECRET.slice(0, 24)];

describe("the example app: a web front, settings and a secret, beat, a heavy pool", () => {
  let stack: TestStack;
  let out: Outputs;
  let up: Result;
  let webContainer: string;

  before(async () => {
    stack = new TestStack(testStackName("webapp"), "examples/webapp/Pulumi.webapp.yaml", (yaml) =>
      yaml.replace("port: 28880", `port: ${PORT}`),
    );
    webContainer = `qk-${stack.name}-web`;
    // From stdin (printf is bash's builtin): the secret is in no process's argv.
    ok(
      `printf %s "$QK_SIGNING_KEY" | pulumi config set --secret --path 'queuekit:workers[0].secrets.SIGNING_KEY' --stack ${stack.name}`,
      { ...stack.env, QK_SIGNING_KEY: SECRET },
    );
    up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`pulumi up of the example (two pools built, beat): ${up.seconds.toFixed(1)} s`);
    out = JSON.parse(stack.pulumi("stack output --json").stdout) as Outputs;
    // The web front, as the README starts it: the web pool's image and its rendered celeryconfig (read-only volume),
    // so it reaches the broker without a password in its own config.
    const worker = out.workerContainers.find((c) => c.includes("-worker-web-"))!;
    const image = docker(`inspect --format '{{.Image}}' ${worker}`);
    docker(
      `run -d --name ${webContainer} --network qk-${stack.name} --read-only --user 65534:65534 --cap-drop ALL ` +
        `--security-opt no-new-privileges --memory 128m -p 127.0.0.1:${WEB_PORT}:8000 ` +
        `-v qk-${stack.name}-worker-web-config:/etc/queuekit:ro ${image}`,
    );
    for (let i = 0; i < 30; i++) {
      if (web("GET", "/healthz").status === 200) return;
      await sleep(1000);
    }
    assert.fail(`the web front never answered: ${sh(`docker logs ${webContainer}`).stderr}`);
  });

  after(() => {
    const name = stack?.name;
    // Before destroy: the web front uses the stack's network and config volume.
    if (webContainer) sh(`docker rm -f ${webContainer}`);
    stack?.dispose();
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("runs both pools and beat on the image built from examples/webapp; beat has the web pool's env and secret file", () => {
    assert.equal(out.workerContainers.length, 2);
    for (const c of [...out.workerContainers, out.beatContainer])
      assert.match(docker(`inspect --format '{{.Config.Image}}' ${c}`), /^sha256:[0-9a-f]{64}$/, `${c}: built`);
    const beat = inspect<{ Config: { Env: string[] } }>(out.beatContainer);
    assert.ok(beat.Config.Env.includes(`HEARTBEAT_SECONDS=${HEARTBEAT_SECONDS}`), "beat has the pool's env");
    const mode = docker(`exec ${out.beatContainer} stat -c '%a %u' /run/secrets/SIGNING_KEY`);
    assert.equal(mode, "400 65534", "beat reads the secret file as its pool does");
  });

  it("POST /greet returns the task's result: the plain setting, signed with the secret", async () => {
    const t0 = Date.now();
    const r = web("POST", "/greet?name=Ada");
    console.log(`POST /greet: ${r.status} in ${Date.now() - t0} ms: ${JSON.stringify(r.body)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const result = r.body.result as { greeting: string; signature: string; worker: string };
    assert.equal(result.greeting, "Hello from queuekit, Ada!");
    assert.equal(result.signature, createHmac("sha256", SECRET).update(result.greeting).digest("hex"));
    assert.match(result.worker, /-worker-web-0$/);
  });

  it("a 200 MiB report runs in the reports pool, its peak within the pool's planned child memory", async () => {
    const queued = web("POST", "/reports?mib=200");
    assert.equal(queued.status, 202);
    let r = { status: 0, body: {} as Record<string, unknown> };
    for (let i = 0; i < 60 && r.body.state !== "SUCCESS"; i++) {
      await sleep(1000);
      r = web("GET", `/tasks/${String(queued.body.task_id)}`);
      assert.notEqual(r.body.state, "FAILURE", JSON.stringify(r.body));
    }
    const result = r.body.result as { mib: number; peak_rss_mib: number; worker: string };
    const perChild = out.memoryPlan.workers.find((p) => p.name === "reports")!.budget.perUnit;
    console.log(
      `report of ${result.mib} MiB: child peak RSS ${result.peak_rss_mib} MiB of its planned ${perChild / MiB} MiB`,
    );
    assert.match(result.worker, /-worker-reports-0$/);
    assert.ok(result.peak_rss_mib >= 200, "the report was resident");
    assert.ok(result.peak_rss_mib * MiB < perChild, "the child stayed within its plan");
  });

  it("beat runs the periodic task every HEARTBEAT_SECONDS (the app read it from the pool's env), signed alike", async () => {
    let runs: Heartbeat[] = [];
    for (let i = 0; i < 60 && runs.length < 3; i++) {
      runs = web("GET", "/heartbeats").body.runs as Heartbeat[];
      if (runs.length < 3) await sleep(1000);
    }
    const gaps = runs.slice(1).map((r, i) => r.at - runs[i].at);
    console.log(`heartbeats: ${runs.length}, gaps ${gaps.map((g) => g.toFixed(2)).join(", ")} s`);
    assert.ok(runs.length >= 3, `${runs.length} periodic runs`);
    for (const r of runs) assert.deepEqual([r.every, r.same_key], [HEARTBEAT_SECONDS, true]);
    for (const g of gaps) assert.ok(Math.abs(g - HEARTBEAT_SECONDS) < 2, `a gap of ${g.toFixed(2)} s`);
  });

  it("the secret is not in docker inspect, the state in clear, the logs or the outputs", () => {
    const places = secretPlaces(stack, up.stdout + up.stderr, [webContainer]);
    for (const [where, text] of Object.entries(places)) {
      assert.ok(text.length > 0, `${where} read`);
      for (const form of forms) assert.ok(!text.includes(form), `the secret is in ${where}`);
    }
  });
});
