// A pool's app settings and secrets end to end: a throw-away stack with the demo pool (built from this checkout's
// examples/celery-demo under a tag of the test's own), a plain setting, a file-mode secret and an env-mode secret set
// with `pulumi config set --secret --path`. The demo task settings_digest reads them in the worker and returns their
// hashes; the file secret is nowhere in `docker inspect`, the state in clear, the logs (`pulumi up` and the
// containers') or the stack outputs. A rotated secret replaces the pool's replicas, which read the new value.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { docker, leftovers, ok, pythonJson, type Result, sh, secretPlaces, TestStack, testStackName } from "./harness";

const PORT = 28301; // Redis on loopback; the exporter on PORT + 1
const IMAGE = `queuekit-e2e/appsettings-demo:${process.pid}`;
const SETTING = "hello from the stack config";
// A quote, a dollar and a newline: the file must carry the value byte for byte, no shell in between.
const fileSecret = () => `tok-${randomBytes(12).toString("hex")}"'$x\n`;
const ENV_SECRET = `postgres://app:${randomBytes(12).toString("hex")}@db.internal/app`;

interface Outputs {
  readonly redisUrl: string;
  readonly redisContainer: string;
  readonly workerContainers: string[];
}
interface Seen {
  readonly from: "file" | "env" | null;
  readonly sha256?: string;
  readonly mode?: string;
  readonly uid?: number;
  readonly reader?: number;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A secret as it may show anywhere: as is, JSON-escaped, base64 (an upload's contentBase64). */
const forms = (secret: string) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  Buffer.from(secret).toString("base64"),
  secret.slice(0, 28),
];

function stackFile(yaml: string): string {
  return yaml
    .replace("port: 16379", `port: ${PORT}`)
    .replace("port: 19121", `port: ${PORT + 1}`)
    .concat(
      [
        "  queuekit:workers:",
        "    - name: default",
        `      image: ${IMAGE}`,
        // Built on the kit's Celery image: its user nobody (an image the kit does not know needs runAs).
        '      runAs: "65534:65534"',
        "      app: demo",
        "      queues: [celery]",
        "      env:",
        `        APP_GREETING: ${JSON.stringify(SETTING)}`,
        "      secretsAsEnv: [DATABASE_URL]",
        "",
      ].join("\n"),
    );
}

describe("app settings and secrets: read by the app, never shown", () => {
  let stack: TestStack;
  let out: Outputs;
  let up: Result;
  let secret = fileSecret();

  const setSecret = (name: string, value: string) => {
    const r = stack.pulumi(
      `config set --secret --path ${quote(`queuekit:workers[0].secrets.${name}`)} ${quote(value)}`,
    );
    assert.equal(r.code, 0, r.stderr);
  };
  const deploy = (): Result => {
    const r = stack.pulumi("up --yes --skip-preview");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    return r;
  };
  const digest = (): Record<string, Seen> =>
    pythonJson<{ state: string; result: Record<string, Seen> }[]>("celery_client.py", {
      broker: out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`),
      calls: [{ name: "demo.settings_digest", args: [["APP_GREETING", "API_TOKEN", "DATABASE_URL", "UNSET_NAME"]] }],
      timeout: 180,
    })[0].result;

  before(() => {
    // This checkout's demo app, whatever the shared queuekit/celery-demo:local was last built from.
    ok(`DOCKER_BUILDKIT=0 docker build -q -t ${IMAGE} examples/celery-demo`);
    stack = new TestStack(testStackName("appsettings"), "Pulumi.local.yaml", stackFile);
  });

  after(() => {
    const name = stack?.name;
    stack?.dispose();
    sh(`docker image rm ${IMAGE}`);
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("refuses a name the kit sets, naming the key and hiding the value; nothing is deployed", () => {
    setSecret("CELERY_BROKER_URL", secret);
    const r = stack.pulumi("preview");
    assert.notEqual(r.code, 0);
    const text = r.stdout + r.stderr;
    assert.match(text, /queuekit:workers\[0\]\.secrets\.CELERY_BROKER_URL: got "\[secret\]" — reserved: CELERY_\*/);
    for (const form of forms(secret)) assert.ok(!text.includes(form), "the refusal shows the secret");
    assert.equal(stack.resources().length, 0, "nothing deployed");
    assert.equal(stack.pulumi(`config rm --path ${quote("queuekit:workers[0].secrets.CELERY_BROKER_URL")}`).code, 0);
  });

  it("deploys; the app reads the setting, the file secret (0400, its own uid) and the env secret", () => {
    setSecret("API_TOKEN", secret);
    setSecret("DATABASE_URL", ENV_SECRET);
    up = deploy();
    console.log(`pulumi up with settings and secrets: ${up.seconds.toFixed(1)} s`);
    const seen = digest();
    assert.deepEqual(seen.APP_GREETING, { from: "env", sha256: sha256(SETTING) });
    assert.deepEqual(seen.DATABASE_URL, { from: "env", sha256: sha256(ENV_SECRET) });
    assert.equal(seen.API_TOKEN.from, "file");
    assert.equal(seen.API_TOKEN.sha256, sha256(secret));
    assert.equal(seen.API_TOKEN.mode, "0o400");
    assert.equal(seen.API_TOKEN.uid, seen.API_TOKEN.reader, "owned by the worker's own uid");
    assert.notEqual(seen.API_TOKEN.reader, 0, "the worker is not root");
    assert.deepEqual(seen.UNSET_NAME, { from: null });
    // The root stays read-only, the secrets' mount too.
    const worker = JSON.parse(docker(`inspect ${out.workerContainers[0]}`))[0] as {
      HostConfig: { ReadonlyRootfs: boolean };
      Mounts: { Destination: string; RW: boolean }[];
    };
    assert.equal(worker.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(
      worker.Mounts.filter((m) => m.Destination === "/run/secrets").map((m) => m.RW),
      [false],
    );
  });

  it("the file secret is not in docker inspect, the state in clear, the logs or the outputs", () => {
    const places = secretPlaces(stack, up.stdout + up.stderr);
    for (const [where, text] of Object.entries(places)) {
      assert.ok(text.length > 0, `${where} read`);
      for (const form of forms(secret)) assert.ok(!text.includes(form), `the file secret is in ${where}`);
    }
    // The env-mode secret shows in the worker's inspect (the user's choice), nowhere else.
    for (const [where, text] of Object.entries(places).filter(([w]) => !w.startsWith("docker inspect")))
      for (const form of forms(ENV_SECRET)) assert.ok(!text.includes(form), `the env secret is in ${where}`);
    assert.ok(places["docker inspect (containers, carriers included)"].includes(ENV_SECRET), "secretsAsEnv: in env");
  });

  it("a rotated secret replaces the pool's replicas, which read the new value", () => {
    const before = docker(`inspect --format '{{.Id}}' ${out.workerContainers[0]}`);
    secret = fileSecret();
    setSecret("API_TOKEN", secret);
    const r = deploy();
    console.log(`pulumi up rotating a file secret: ${r.seconds.toFixed(1)} s`);
    assert.notEqual(docker(`inspect --format '{{.Id}}' ${out.workerContainers[0]}`), before, "replaced");
    assert.equal(digest().API_TOKEN.sha256, sha256(secret));
    const state = ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout;
    for (const form of forms(secret)) assert.ok(!state.includes(form), "the new secret is in the state");
  });
});
