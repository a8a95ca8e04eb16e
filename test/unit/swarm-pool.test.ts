// queuekit:orchestrator: swarm: the config keys and their refusals, and the Swarm service a pool becomes (its inputs
// under pulumi.runtime.setMocks): replicas, limit and reservation from the plan, placement from the config.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { goDuration, SwarmPool, swarmTaskSpec } from "../../infra/components/swarmPool";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { type Registered, recordResources } from "./mocks";
import { configRefusal } from "./refusal";

const registered = recordResources("sw");
const CONSTRAINT = "node.labels.queuekit==workers";
const pool = {
  name: "default",
  image: "acme/app:1",
  runAs: "1000:1000",
  app: "proj.celery",
  queues: ["celery"],
  replicas: 2,
  swarm: { constraints: [CONSTRAINT] },
};
const swarmConfig = {
  host: { memory: "2GiB", cpus: 2 },
  redis: { bind: "127.0.0.1" },
  orchestrator: "swarm",
  workers: [pool],
};
/** A secret input as the mocks record it: the value inside Pulumi's secret wrapper. */
const unwrap = (input: unknown): string => (typeof input === "string" ? input : (input as { value: string }).value);
const issueAt = (raw: unknown, path: string) => configRefusal(raw).issues.find((i) => i.path === path);

describe("config: orchestrator and workers[].swarm", () => {
  it("defaults to containers; swarm keeps each pool's constraints", () => {
    const plain = Object.fromEntries(Object.entries(pool).filter(([k]) => k !== "swarm"));
    assert.equal(parseConfig({ host: { memory: "2GiB", cpus: 2 }, workers: [plain] }).orchestrator, "containers");
    const c = parseConfig(swarmConfig);
    assert.equal(c.orchestrator, "swarm");
    assert.deepEqual(c.workers[0]!.swarm, { constraints: [CONSTRAINT] });
  });

  const refusals: [string, unknown, string, RegExp][] = [
    [
      "an unknown orchestrator",
      { ...swarmConfig, orchestrator: "kubernetes" },
      "orchestrator",
      /"containers", "swarm"/,
    ],
    [
      "a constraint without an operator",
      { ...swarmConfig, workers: [{ ...pool, swarm: { constraints: ["node.labels.queuekit"] } }] },
      "workers[0].swarm.constraints[0]",
      /placement constraint, e\.g\. "node\.labels\.queuekit==workers"/,
    ],
    [
      "workers[].swarm without the swarm orchestrator",
      { ...swarmConfig, orchestrator: "containers" },
      "workers[0].swarm",
      /set orchestrator: swarm, or remove workers\[\]\.swarm/,
    ],
    ["Redis not published", { ...swarmConfig, redis: {} }, "redis.bind", /127\.0\.0\.1 on a single-node swarm/],
    [
      "an env-mode secret (it would make the whole taskSpec a secret)",
      { ...swarmConfig, workers: [{ ...pool, secrets: { DATABASE_URL: "x" }, secretsAsEnv: ["DATABASE_URL"] }] },
      "workers[0].secretsAsEnv",
      /Swarm delivers secrets as files/,
    ],
    [
      "swap (Swarm has no --memory-swap)",
      { ...swarmConfig, workers: [{ ...pool, allowSwap: true, swap: "64MiB" }] },
      "workers[0].allowSwap",
      /cannot limit swap/,
    ],
  ];
  for (const [what, raw, path, message] of refusals)
    it(`refuses ${what}, naming ${path}`, () => {
      const issue = issueAt(raw, path);
      assert.ok(issue, `no issue at ${path}: ${configRefusal(raw).message}`);
      assert.match(issue.message, message);
    });
});

describe("the Swarm service of a pool", () => {
  const config = parseConfig(swarmConfig);
  const plan = planMemory(config).workers[0]!;

  it("swarmTaskSpec: the plan's limit as limit and reservation, the config's placement, the worker's hardening", () => {
    const t = swarmTaskSpec({ stack: "sw", pool: config.workers[0]!, plan, image: "acme/app:1" });
    assert.deepEqual(t.resources, {
      limits: { memoryBytes: plan.limit.bytes },
      reservation: { memoryBytes: plan.limit.bytes },
    });
    assert.deepEqual(t.placement, { constraints: [CONSTRAINT] });
    assert.equal((t.restartPolicy as { condition: string }).condition, "on-failure");
    const c = t.containerSpec as unknown as Record<string, unknown>;
    assert.equal(c["user"], "1000:1000");
    assert.equal(c["readOnly"], true);
    assert.deepEqual(c["capDrops"], ["ALL"]);
    assert.equal(c["hostname"], "qk-sw-worker-default-{{.Task.Slot}}");
    const argv = c["commands"] as string[];
    assert.equal(argv[argv.indexOf("-n") + 1], "default@%h");
    assert.equal(
      argv[argv.indexOf("--max-memory-per-child") + 1],
      String(plan.pool === "prefork" && plan.maxMemoryPerChildKiB),
    );
  });

  it("goDuration prints seconds as Go does", () => {
    assert.deepEqual([30, 60, 1830, 3600, 3661].map(goDuration), ["30s", "1m0s", "30m30s", "1h0m0s", "1h1m1s"]);
  });

  let services: Registered[];
  before(async () => {
    new SwarmPool("workers-default", {
      stack: "sw",
      pool: config.workers[0]!,
      plan,
      routes: {},
      publishHeadroomBytes: 0,
      brokerUrl: pulumi.secret("redis://:pw-under-test@127.0.0.1:6379/0"),
    });
    await new Promise((r) => setTimeout(r, 200));
    services = registered.filter((r) => r.type === "docker:index/service:Service");
  });

  it("registers one service with the plan's replicas, on the host network, its files from a secret and a config", () => {
    assert.equal(services.length, 1);
    const s = services[0]!.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the mocks' inputs are untyped JSON
    assert.equal(s["name"], "qk-sw-worker-default");
    assert.deepEqual(s["mode"], { replicated: { replicas: 2 } });
    assert.deepEqual(s["taskSpec"].networksAdvanceds, [{ name: "host" }]);
    assert.equal(s["taskSpec"].resources.reservation.memoryBytes, plan.limit.bytes);
    const [secret] = s["taskSpec"].containerSpec.secrets;
    assert.deepEqual(
      [secret.fileName, secret.fileUid, secret.fileMode],
      ["/run/secrets/queuekit_celeryconfig.py", "1000", 0o400],
    );
    assert.equal(s["taskSpec"].containerSpec.configs[0].fileName, "/etc/queuekit/queuekit_celery.py");
    const secrets = registered.filter((r) => r.type === "docker:index/secret:Secret");
    assert.equal(secrets.length, 1);
    assert.ok((secrets[0]!.inputs["name"] as string).length <= 64);
    assert.ok(!JSON.stringify(s).includes("pw-under-test"), "the broker password is in the secret only");
  });
});

describe("the Swarm service of a pool with app secrets and redis.tls", () => {
  const raw = {
    ...swarmConfig,
    redis: { bind: "127.0.0.1", tls: true },
    workers: [{ ...pool, name: "app", secrets: { API_TOKEN: "x" } }],
  };
  const config = parseConfig(raw);
  const plan = planMemory(config).workers[0]!;
  const token = "short";
  let s: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the mocks' inputs are untyped JSON
  let secrets: Registered[];

  before(async () => {
    new SwarmPool("workers-app", {
      stack: "swt",
      pool: config.workers[0]!,
      plan,
      routes: {},
      publishHeadroomBytes: 0,
      brokerUrl: pulumi.secret("rediss://:pw-under-test@127.0.0.1:6379/0"),
      redisCa: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      secrets: { API_TOKEN: pulumi.secret(token) },
    });
    await new Promise((r) => setTimeout(r, 200));
    s = registered.find((r) => r.type === "docker:index/service:Service" && r.name === "workers-app")!.inputs;
    secrets = registered.filter((r) => r.type === "docker:index/secret:Secret" && r.name.startsWith("workers-app"));
  });

  it("the file secret is a Swarm secret at /run/secrets/<name>, 0400, the worker's uid; its name tells nothing", () => {
    const mounted = (s["taskSpec"].containerSpec.secrets as { fileName: string; fileUid: string; fileMode: number }[])
      .map((m) => [m.fileName, m.fileUid, m.fileMode])
      .sort();
    assert.deepEqual(mounted, [
      ["/run/secrets/API_TOKEN", "1000", 0o400],
      ["/run/secrets/queuekit_celeryconfig.py", "1000", 0o400],
    ]);
    const appSecret = secrets.find((r) => r.name === "workers-app-secret-API_TOKEN");
    assert.ok(appSecret, secrets.map((r) => r.name).join(", "));
    const name = appSecret.inputs["name"] as string;
    assert.match(name, /^qk-swt-worker-app-API_TOKEN-[0-9a-f]{12}$/);
    // Keyed by the broker URL: the plain hash of the value would let anyone who lists secrets test guesses.
    const plain = createHash("sha256").update(token).digest("hex").slice(0, 12);
    assert.ok(!name.endsWith(plain), "the name is not the value's plain hash");
    assert.equal(Buffer.from(unwrap(appSecret.inputs["data"]), "base64").toString(), token);
  });

  it("the CA is a config at /etc/queuekit/redis-ca.crt the celeryconfig verifies against; no secret in the taskSpec", () => {
    assert.ok(!("API_TOKEN" in s["taskSpec"].containerSpec.env), "a file secret is not in the env");
    assert.ok(!JSON.stringify(s).includes(token) && !JSON.stringify(s).includes("pw-under-test"));
    const configs = (s["taskSpec"].containerSpec.configs as { fileName: string; fileMode: number }[]).map((c) => [
      c.fileName,
      c.fileMode,
    ]);
    assert.deepEqual(configs, [
      ["/etc/queuekit/queuekit_celery.py", 0o444],
      ["/etc/queuekit/redis-ca.crt", 0o444],
    ]);
    const conf = secrets.find((r) => r.name === "workers-app-celeryconfig")!;
    const text = Buffer.from(unwrap(conf.inputs["data"]), "base64").toString();
    assert.match(
      text,
      /broker_use_ssl = \{"ssl_cert_reqs": ssl\.CERT_REQUIRED, "ssl_ca_certs": "\/etc\/queuekit\/redis-ca\.crt"\}/,
    );
  });
});
