// Flower: its keys (defaults, every refusal naming the key — a public address above all), its container in the
// memory plan, and what it renders: options Python reads back, no secret in its argv.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { rawFromEntries } from "../../infra/config/raw";
import { MiB } from "../../infra/config/units";
import { containersOf } from "../../infra/plan/containers";
import { PlanError } from "../../infra/plan/errors";
import { renderPlanTable } from "../../infra/plan/planTable";
import { planMemory } from "../../infra/plan/planner";
import {
  FLOWER_CONFIG_FILE,
  FLOWER_REDIS_CA_FILE,
  flowerArgv,
  renderFlowerCelerySettings,
  renderFlowerConfig,
} from "../../infra/render/flower";
import { configRefusal } from "./refusal";

const raw = (flower: Record<string, unknown>) => ({
  host: { memory: "2GiB", cpus: 2, connection: { kind: "local" } },
  workers: [{ name: "default", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["celery"] }],
  flower,
});

const refusal = (value: unknown): string => configRefusal(value).message;

const pyRead = (text: string, names: string[]) => {
  const r = spawnSync(
    "python3",
    [
      "-c",
      `import json, sys\nns = {}\nexec(sys.stdin.read(), ns)\nprint(json.dumps({k: ns[k] for k in ${JSON.stringify(names)}}))`,
    ],
    { input: text, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe("flower config", () => {
  it("is off by default; its defaults when on", () => {
    assert.equal(parseConfig(raw({})).flower.enabled, false);
    assert.equal(planMemory(parseConfig(raw({}))).flower, undefined);
    assert.deepEqual(parseConfig(raw({ enabled: true })).flower, {
      enabled: true,
      memory: 160 * MiB,
      image: "queuekit/flower:local",
      bind: "127.0.0.1",
      port: 5555,
      user: "admin",
      maxTasks: 10_000,
      runAs: "65534:65534",
    });
    assert.equal(parseConfig(raw({ enabled: true, bind: "10.0.0.5" })).flower.bind, "10.0.0.5");
    assert.equal(parseConfig(raw({ enabled: true, bind: "none" })).flower.bind, "none");
  });

  it("its password is a secret, never a plain key", () => {
    const plain = rawFromEntries({ "queuekit:flowerPassword": "s3cret", "queuekit:flower": { enabled: true } });
    assert.deepEqual(plain, { flower: { enabled: true } });
  });

  it("refuses bad input, naming the key, the value and the fix", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { enabled: true, bind: "203.0.113.7" },
        /queuekit:flower\.bind: got "203\.0\.113\.7" — a public address: Flower \(it can revoke tasks and shut workers down\) would be reachable from the internet; use "none"/,
      ],
      [
        { enabled: true, bind: "0.0.0.0" },
        /queuekit:flower\.bind: got "0\.0\.0\.0" — publishes Flower .* on every interface/,
      ],
      [{ enabled: true, bind: "localhost" }, /queuekit:flower\.bind: got "localhost" — not an IP address/],
      [{ enabled: true, memory: "32MiB" }, /queuekit:flower\.memory: got "32MiB" — too small: at least 64MiB/],
      [{ enabled: true, port: 70000 }, /queuekit:flower\.port: got 70000 — a whole number from 1 to 65535/],
      [{ enabled: true, user: "ad min" }, /queuekit:flower\.user: got "ad min" — expected a user name of letters/],
      [{ enabled: true, user: "a:b" }, /queuekit:flower\.user: got "a:b"/],
      [{ enabled: true, maxTasks: 10 }, /queuekit:flower\.maxTasks: got 10 — a whole number from 100 to 1000000/],
      [
        { enabled: true, password: "x" },
        /queuekit:flower\.password: got "x" — unknown key; flower accepts: enabled, memory, image, bind, port, user, maxTasks/,
      ],
    ];
    for (const [flower, message] of cases) assert.match(refusal(raw(flower)), message);
  });
});

describe("flower in the memory plan", () => {
  it("is a planned container, in the table, taken from what is free", () => {
    const plan = planMemory(parseConfig(raw({ enabled: true, memory: "200MiB" })));
    assert.equal(plan.flower?.limit.mib, 200);
    assert.deepEqual(
      containersOf(plan)
        .filter((c) => c.kind === "flower")
        .map((c) => [c.key, c.replicas]),
      [["flower.memory", 1]],
    );
    assert.match(renderPlanTable(plan, "t"), /^flower +200 +×1 +200 .*flower\.memory: Celery's web monitor/m);
    assert.equal(planMemory(parseConfig(raw({}))).headroom.bytes - plan.headroom.bytes, 200 * MiB);
  });

  it("a plan that does not fit lists it with what to change", () => {
    try {
      planMemory(parseConfig(raw({ enabled: true, memory: "1500MiB" })));
      assert.fail("planned");
    } catch (error) {
      assert.ok(error instanceof PlanError, String(error));
      assert.match(
        error.message,
        /flower\.memory +.*1500.*lower flower\.memory \(at least 64MiB\) and flower\.maxTasks/,
      );
    }
  });
});

describe("flower render", () => {
  const flower = parseConfig(raw({ enabled: true, user: "ops", maxTasks: 2000 })).flower;
  const password = `p"a'ss\\w:ord ü`;

  it("its options file gives Flower one basic-auth user, its port and a bounded task memory", () => {
    assert.deepEqual(
      pyRead(renderFlowerConfig(flower, password), ["address", "port", "basic_auth", "max_tasks", "persistent"]),
      { address: "0.0.0.0", port: 5555, basic_auth: [`ops:${password}`], max_tasks: 2000, persistent: false },
    );
    assert.throws(() => renderFlowerConfig(flower, "a\nb"), /queuekit:flowerPassword: a line break/);
  });

  it("reads the broker from a settings module; no secret in its argv", () => {
    const url = "redis://:br0ker@qk-prod-redis:6379/0";
    assert.deepEqual(pyRead(renderFlowerCelerySettings("prod", url), ["broker_url"]), { broker_url: url });
    const argv = flowerArgv();
    assert.deepEqual(argv, [
      "python3",
      "-m",
      "celery",
      "--config",
      "queuekit_flower_celery",
      "flower",
      `--conf=${FLOWER_CONFIG_FILE}`,
    ]);
    assert.ok(!argv.join(" ").includes("br0ker") && !argv.join(" ").includes("ops:"));
  });

  it("with redis.tls: a rediss:// broker verified against the stack's CA beside it, never unverified", () => {
    const url = "rediss://:br0ker@redis:6379/0";
    const settings = pyRead(renderFlowerCelerySettings("prod", url, FLOWER_REDIS_CA_FILE), [
      "broker_url",
      "broker_use_ssl",
    ]);
    // "required": what redis-py's sync and asyncio clients both turn into ssl.CERT_REQUIRED.
    assert.deepEqual(settings, {
      broker_url: url,
      broker_use_ssl: { ssl_cert_reqs: "required", ssl_ca_certs: "/etc/queuekit/redis-ca.crt" },
    });
    assert.throws(() => renderFlowerCelerySettings("prod", url), /rediss:\/\/ broker URL needs the CA file/);
    assert.throws(
      () => renderFlowerCelerySettings("prod", "redis://:x@redis:6379/0", FLOWER_REDIS_CA_FILE),
      /not rediss:\/\//,
    );
  });
});
