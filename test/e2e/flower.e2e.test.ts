// Flower end to end: a throw-away stack with the demo pool and Flower (the local image) published on loopback. The UI
// and API answer with the basic-auth user and the secret password, refuse without it or with a wrong one; the
// password is nowhere in `docker inspect`, the stack's state in clear, the container's logs or the stack outputs.
// Prints Flower's memory idle and after a run of tasks, against its planned limit.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { knownImageUser } from "../../infra/config/runAs";
import {
  demoPoolStack,
  docker,
  inspect,
  leftovers,
  ok,
  pythonJson,
  repo,
  sh,
  TestStack,
  testStackName,
} from "./harness";

const PORT = 27451; // Redis; the exporter on PORT + 10000 (demoPoolStack)
const FLOWER_PORT = 27452;
const USER = "ops";
const TASKS = 2000;

interface Outputs {
  readonly flowerUrl: string;
  readonly flowerContainer: string;
  readonly redisUrl: string;
  readonly workerContainers: string[];
  readonly memoryPlan: { readonly flower: { readonly limit: { readonly bytes: number } } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const rssOf = (container: string): number =>
  Number(/VmRSS:\s+(\d+)/.exec(docker(`exec ${container} cat /proc/1/status`))?.[1]) * 1024;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

describe("flower: basic auth from a secret, on loopback, planned", () => {
  let stack: TestStack;
  let out: Outputs;
  // Hex and a quote: the rendered Python string must carry any character a password may hold.
  const password = `${randomBytes(12).toString("hex")}"'`;

  // The images this run built (npm test's set-up does not build Flower's): removed again, the machine as found.
  let built: string[] = [];

  before(async () => {
    built = build();
    stack = demoPoolStack(testStackName("flower"), PORT);
    appendFileSync(
      path.join(repo, `Pulumi.${stack.name}.yaml`),
      [
        "  queuekit:flower:",
        "    enabled: true",
        "    image: queuekit/flower:local",
        `    port: ${FLOWER_PORT}`,
        `    user: ${USER}`,
        "",
      ].join("\n"),
    );
    // Without the secret the program stops before anything is deployed, naming it.
    const refused = stack.pulumi("preview");
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stdout + refused.stderr,
      /queuekit:flowerPassword: got nothing — required with flower\.enabled/,
    );
    const set = stack.pulumi(`config set --secret flowerPassword '${password.replace(/'/g, `'\\''`)}'`);
    assert.equal(set.code, 0, set.stderr);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`pulumi up with flower: ${up.seconds.toFixed(1)} s`);
    // --show-secrets: the broker URL (a secret output) for the test's own client.
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
  });

  after(() => {
    const name = stack?.name;
    stack?.dispose();
    for (const image of built) docker(`image rm ${image}`);
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("is published on loopback only, planned, hardened, not root", () => {
    assert.equal(out.flowerUrl, `http://127.0.0.1:${FLOWER_PORT}`);
    const c = inspect<{
      HostConfig: {
        Memory: number;
        MemorySwap: number;
        CapDrop: string[];
        SecurityOpt: string[];
        PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
      };
    }>(out.flowerContainer);
    assert.equal(c.HostConfig.Memory, out.memoryPlan.flower.limit.bytes);
    assert.equal(c.HostConfig.MemorySwap, c.HostConfig.Memory);
    assert.deepEqual(c.HostConfig.CapDrop, ["ALL"]);
    assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges:true"]);
    assert.deepEqual(c.HostConfig.PortBindings, {
      "5555/tcp": [{ HostIp: "127.0.0.1", HostPort: String(FLOWER_PORT) }],
    });
    // The explicit user (runAs.ts) is the one the image's USER names: the same ids a plain `docker run` gets.
    const image = "queuekit/flower:local";
    assert.equal(inspect<{ Config: { User: string } }>(out.flowerContainer).Config.User, knownImageUser(image));
    const own = docker(`run --rm --network none --entrypoint id ${image}`);
    assert.equal(docker(`exec ${out.flowerContainer} id`), own);
    assert.match(own, /^uid=65534\(nobody\) gid=65534/);
    const host = inspect<{ HostConfig: { PidsLimit: number; ReadonlyRootfs: boolean } }>(
      out.flowerContainer,
    ).HostConfig;
    assert.equal(host.ReadonlyRootfs, true);
    const threads = /Threads:\s+(\d+)/.exec(docker(`exec ${out.flowerContainer} cat /proc/1/status`))?.[1];
    console.log(`flower threads ${threads}, PIDs bound ${host.PidsLimit}`);
  });

  it("answers with the user and the secret password; refuses without, or with a wrong one", async () => {
    for (const page of ["/", "/api/workers", "/workers"]) {
      const none = await fetch(`${out.flowerUrl}${page}`);
      assert.equal(none.status, 401, `${page} without auth`);
      const wrong = await fetch(`${out.flowerUrl}${page}`, { headers: { Authorization: basic(USER, "wrong") } });
      assert.equal(wrong.status, 401, `${page} with a wrong password`);
      const other = await fetch(`${out.flowerUrl}${page}`, { headers: { Authorization: basic("admin", password) } });
      assert.equal(other.status, 401, `${page} as another user`);
    }
    // The worker shows in Flower's API once Flower's inspect reached it.
    let workers: Record<string, unknown> = {};
    for (let i = 0; i < 60 && Object.keys(workers).length === 0; i++) {
      const r = await fetch(`${out.flowerUrl}/api/workers?refresh=1`, {
        headers: { Authorization: basic(USER, password) },
      });
      assert.equal(r.status, 200);
      workers = (await r.json()) as Record<string, unknown>;
      if (Object.keys(workers).length === 0) await sleep(1000);
    }
    assert.deepEqual(Object.keys(workers), [`default-0@${out.workerContainers[0]}`]);
    const ui = await fetch(`${out.flowerUrl}/`, { headers: { Authorization: basic(USER, password) } });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /Flower/);
  });

  it("the password is not in docker inspect, the state in clear, its logs or the outputs", () => {
    const leaks = {
      "docker inspect": docker(`inspect ${out.flowerContainer}`),
      state: ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout,
      logs: ok(`docker logs ${out.flowerContainer} 2>&1`).stdout,
      outputs: stack.pulumi("stack output --json").stdout,
    };
    for (const [where, text] of Object.entries(leaks)) {
      assert.ok(text.length > 0, `${where} read`);
      assert.ok(!text.includes(password), `the password is in ${where}`);
      assert.ok(!text.includes(JSON.stringify(password).slice(1, -1)), `the password (escaped) is in ${where}`);
    }
    // The broker password stays out of Flower's inspect too: it reads the broker from an uploaded module.
    const redisPassword = /redis:\/\/:([^@]+)@/.exec(out.redisUrl)?.[1];
    assert.ok(redisPassword, "the redis URL (a secret output) carries its password");
    assert.ok(!leaks["docker inspect"].includes(redisPassword));
  });

  it("its memory idle and after a run of tasks stays within the plan", async () => {
    const idle = rssOf(out.flowerContainer);
    const results = pythonJson<{ state: string }[]>("celery_client.py", {
      // The stack's Redis as this machine reaches it: published on loopback.
      broker: out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`),
      calls: Array.from({ length: TASKS }, (_, i) => ({ name: "demo.add", args: [i, 1] })),
      timeout: 240,
    });
    assert.equal(results.filter((r) => r.state === "SUCCESS").length, TASKS);
    await sleep(5000);
    const tasks = (await (
      await fetch(`${out.flowerUrl}/api/tasks?limit=100000`, { headers: { Authorization: basic(USER, password) } })
    ).json()) as Record<string, unknown>;
    const busy = rssOf(out.flowerContainer);
    const limit = out.memoryPlan.flower.limit.bytes;
    console.log(
      `flower RSS idle ${mib(idle)} MiB, after ${TASKS} tasks (${Object.keys(tasks).length} kept) ${mib(busy)} MiB; limit ${mib(limit)} MiB`,
    );
    assert.ok(Object.keys(tasks).length > 0, "Flower saw the tasks (it turns the workers' events on)");
    assert.ok(busy < limit * 0.75, "Flower's RSS leaves a quarter of its limit");
  });

  it("redis.tls switched on: Flower verifies Redis against the stack's CA — its workers and queue lengths over TLS", async () => {
    const file = path.join(repo, `Pulumi.${stack.name}.yaml`);
    const text = readFileSync(file, "utf8");
    assert.ok(text.includes(`    port: ${PORT}\n`), "the stack's Redis port line");
    writeFileSync(file, text.replace(`    port: ${PORT}\n`, `    port: ${PORT}\n    tls: true\n`));
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`pulumi up, redis.tls switched on with flower: ${up.seconds.toFixed(1)} s`);
    const tls = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    assert.match(tls.redisUrl, /^rediss:\/\//);
    const settings = docker(`exec ${tls.flowerContainer} cat /etc/queuekit/queuekit_flower_celery.py`);
    assert.match(settings, /^broker_url = "rediss:\/\//m);
    assert.match(settings, /ssl_cert_reqs": "required", "ssl_ca_certs": "\/etc\/queuekit\/redis-ca\.crt"/);
    const auth = { headers: { Authorization: basic(USER, password) } };
    let workers: Record<string, unknown> = {};
    for (let i = 0; i < 90 && Object.keys(workers).length === 0; i++) {
      const r = await fetch(`${tls.flowerUrl}/api/workers?refresh=1`, auth);
      workers = r.status === 200 ? ((await r.json()) as Record<string, unknown>) : {};
      if (Object.keys(workers).length === 0) await sleep(1000);
    }
    assert.deepEqual(Object.keys(workers), [`default-0@${tls.workerContainers[0]}`], "Flower's inspect over TLS");
    // The queue lengths come from Flower's own Redis client (its broker page): over TLS with the same CA.
    const lengths = await fetch(`${tls.flowerUrl}/api/queues/length`, auth);
    const body = await lengths.text();
    assert.equal(lengths.status, 200, `${body}\n${ok(`docker logs --tail 60 ${tls.flowerContainer} 2>&1`).stdout}`);
    const queues = (JSON.parse(body) as { active_queues: { name: string; messages: number }[] }).active_queues;
    console.log(`flower over TLS: workers ${Object.keys(workers).join(", ")}; queues ${JSON.stringify(queues)}`);
    assert.deepEqual(
      queues.map((q) => q.name),
      ["celery"],
    );
    // Nothing of Flower's reaches Redis in plain text: Redis' plain port is closed.
    const logs = ok(`docker logs --since 2m ${tls.flowerContainer} 2>&1`).stdout;
    assert.doesNotMatch(logs, /SSL|certificate verify failed|Connection refused/i, logs.slice(-2000));
  });
});

const FLOWER_IMAGES = ["queuekit/flower:local", "queuekit/flower-deps:local"];
const present = (image: string): boolean => sh(`docker image inspect ${image}`).code === 0;

/** The local Flower image (cached by its recipe's hash); which of its images were not there before. */
function build(): string[] {
  const absent = FLOWER_IMAGES.filter((image) => !present(image));
  ok("bash images/flower/build.sh");
  return absent;
}
