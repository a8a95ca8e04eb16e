// The whole program under pulumi.runtime.setMocks with beat and Flower on: one beat container for a pool of three
// replicas, with the pool's image and app, its state volume, planned and hardened; Flower planned, on loopback, its
// password and the broker's only in uploaded files marked secret — nowhere `docker inspect` would show them. Beat gets
// the settings and secrets of the pool whose app it runs (its import may read them), not another pool's.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { type Registered, recordResources } from "./mocks";

const registered = recordResources("prod");

const REDIS_PASSWORD = "redis-pw-under-test-77a1";
const FLOWER_PASSWORD = "flower-pw-under-test-3c9e";
const FILE_SECRET = "beat-file-secret-under-test-91d0";
const ENV_SECRET = "beat-env-secret-under-test-4f2a";
const host = { memory: "4GiB", cpus: 2, connection: { kind: "local" } };
const workers = [
  {
    name: "light",
    image: "acme/app:1",
    runAs: "1000:1000",
    app: "proj.celery",
    queues: ["celery"],
    replicas: 3,
    concurrency: 1,
    env: { LIGHT_ONLY: "1" },
  },
  {
    name: "reports",
    image: "acme/reports:2",
    runAs: "2000:2000",
    app: "proj.reports",
    queues: ["reports"],
    concurrency: 1,
    env: { REPORTS_EVERY: "3600" },
    secrets: { SIGNING_KEY: FILE_SECRET, REPORTS_DSN: ENV_SECRET },
    secretsAsEnv: ["REPORTS_DSN"],
  },
];
const beat = { enabled: true, pool: "reports", schedule: [{ task: "proj.reports.daily", every: "1d" }] };
const flower = { enabled: true, user: "ops" };
pulumi.runtime.setAllConfig(
  {
    "queuekit:host": JSON.stringify(host),
    "queuekit:workers": JSON.stringify(workers),
    "queuekit:beat": JSON.stringify(beat),
    "queuekit:flower": JSON.stringify(flower),
    "queuekit:redisPassword": REDIS_PASSWORD,
    "queuekit:flowerPassword": FLOWER_PASSWORD,
  },
  ["queuekit:redisPassword", "queuekit:flowerPassword", "queuekit:workers"],
);
const plan = planMemory(parseConfig({ host, workers, beat, flower }));

const containers = (): Registered[] => registered.filter((c) => c.type === "docker:index/container:Container");
const container = (name: string): Registered => {
  const r = containers().find((c) => c.inputs["name"] === name);
  assert.ok(r, `container ${name} registered`);
  return r;
};
// A secret input reaches the mock as Pulumi's secret envelope around its value.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: unknown): { secret: boolean; value: unknown } =>
  typeof v === "object" && v !== null && SECRET_SIG in v
    ? { secret: true, value: (v as unknown as { value: unknown }).value }
    : { secret: false, value: v };

let outputs: Record<string, unknown>;
before(async () => {
  outputs = (await import("../../infra/index")) as Record<string, unknown>;
  await new Promise((r) => setTimeout(r, 200)); // let the outputs' applies register their resources
});

describe("the program with beat and flower, mocked", () => {
  it("registers one beat for the stack, with beat.pool's image and app, planned, hardened, its state on a volume", () => {
    // Its carriers (qk-prod-beat-config, qk-prod-beat-secrets-<tag>-config) are created, never started.
    const beats = containers().filter(
      (c) => /beat/.test(String(c.inputs["name"])) && !/-config$/.test(String(c.inputs["name"])),
    );
    assert.deepEqual(
      beats.map((c) => c.inputs["name"]),
      ["qk-prod-beat"],
    );
    const b = container("qk-prod-beat");
    assert.equal(b.inputs["image"], "acme/reports:2");
    assert.match(
      (b.inputs["command"] as string[])[2],
      /'-A' 'proj\.reports' 'beat' '-s' '\/var\/lib\/celery-beat\/schedule'/,
    );
    assert.equal(b.inputs["memory"], plan.beat?.limit.mib);
    assert.equal(b.inputs["memorySwap"], plan.beat?.limit.mib);
    assert.deepEqual(b.inputs["capabilities"], { drops: ["ALL"] });
    assert.deepEqual(b.inputs["securityOpts"], ["no-new-privileges:true"]);
    assert.equal(b.inputs["restart"], "unless-stopped");
    assert.equal(b.inputs["readOnly"], true);
    assert.equal(b.inputs["user"], "2000:2000", "its pool's runAs (reports)");
    assert.equal(container("qk-prod-beat-config").inputs["user"], "2000:2000");
    assert.deepEqual((b.inputs["volumes"] as unknown[]).slice(0, 2), [
      { volumeName: "qk-prod-beat-state", containerPath: "/var/lib/celery-beat" },
      { volumeName: "qk-prod-beat-config", containerPath: "/etc/queuekit", readOnly: true },
    ]);
    const volume = registered.find(
      (r) => r.type === "docker:index/volume:Volume" && r.inputs["name"] === "qk-prod-beat-state",
    );
    assert.ok(volume, "its state volume");
    // Three replicas of the light pool, none of them a scheduler.
    const light = containers().filter((c) => /^qk-prod-worker-light-\d+$/.test(String(c.inputs["name"])));
    assert.equal(light.length, 3);
    for (const w of light) assert.ok(!(w.inputs["command"] as string[]).some((a) => a === "-B" || a === "--beat"));
    assert.equal(outputs["beatContainer"] !== undefined, true);
  });

  it("beat gets its pool's settings and secrets (reports'), the file secret only in its own carrier's upload", () => {
    const b = container("qk-prod-beat");
    const envs = unwrap(b.inputs["envs"]);
    assert.ok(envs.secret, "its env holds a secret: the env is one");
    assert.deepEqual(envs.value, ["PYTHONPATH=/app:/etc/queuekit", "REPORTS_EVERY=3600", `REPORTS_DSN=${ENV_SECRET}`]);
    const carrier = containers().find((c) => String(c.inputs["name"]).startsWith("qk-prod-beat-secrets-"));
    assert.ok(carrier, "beat's file secrets carrier");
    assert.match(String(carrier.inputs["name"]), /^qk-prod-beat-secrets-[0-9a-f]{8}-config$/);
    assert.deepEqual(unwrap(carrier.inputs["uploads"]).value, [
      {
        file: "/run/secrets/SIGNING_KEY",
        content: FILE_SECRET,
        permissions: "0400",
        owner: "2000",
        group: "2000",
      },
    ]);
    assert.deepEqual((b.inputs["volumes"] as unknown[])[2], {
      volumeName: carrier.inputs["name"],
      containerPath: "/run/secrets",
      readOnly: true,
    });
    const labels = b.inputs["labels"] as { label: string }[];
    assert.ok(
      labels.some((l) => l.label === "queuekit.secrets"),
      "a rotated secret replaces beat",
    );
    const shown = JSON.stringify(["command", "labels", "healthcheck", "volumes"].map((k) => b.inputs[k]));
    assert.ok(!shown.includes(FILE_SECRET) && !JSON.stringify(envs.value).includes(FILE_SECRET));
  });

  it("beat's celeryconfig is its pool's plus the schedule, and secret (it holds the broker password)", () => {
    // Through its config carrier (never started): beat's root filesystem is read-only.
    assert.equal(container("qk-prod-beat").inputs["uploads"], undefined);
    const all = unwrap(container("qk-prod-beat-config").inputs["uploads"]);
    const uploads = all.value as { file: string; content: unknown }[];
    const config = unwrap(uploads.find((u) => u.file === "/etc/queuekit/queuekit_celeryconfig.py")?.content);
    assert.ok(all.secret || config.secret, "its celeryconfig is a secret");
    assert.match(String(config.value), /pool "reports"/);
    assert.match(
      String(config.value),
      /"proj\.reports\.daily": \{"task": "proj\.reports\.daily", "schedule": 86400\.0/,
    );
    assert.ok(String(config.value).includes(REDIS_PASSWORD));
  });

  it("registers Flower planned, on loopback; both passwords only in its secret uploads", () => {
    const f = container("qk-prod-flower");
    assert.equal(f.inputs["memory"], plan.flower?.limit.mib);
    assert.deepEqual(f.inputs["ports"], [{ internal: 5555, external: 5555, ip: "127.0.0.1" }]);
    assert.deepEqual(f.inputs["capabilities"], { drops: ["ALL"] });
    const shown = JSON.stringify(["command", "envs", "labels", "healthcheck"].map((k) => f.inputs[k]));
    for (const secret of [REDIS_PASSWORD, FLOWER_PASSWORD]) assert.ok(!shown.includes(secret));
    assert.equal(f.inputs["readOnly"], true);
    assert.equal(f.inputs["user"], "65534:65534", "queuekit/flower:local's nobody");
    assert.equal(f.inputs["uploads"], undefined);
    const all = unwrap(container("qk-prod-flower-config").inputs["uploads"]);
    const uploads = (all.value as { file: string; content: unknown }[]).map((u) => unwrap(u.content));
    assert.ok(all.secret || uploads.every((u) => u.secret), "both files are secrets");
    assert.ok(uploads.some((u) => String(u.value).includes(`basic_auth = ["ops:${FLOWER_PASSWORD}"]`)));
    const component = registered.find((r) => r.type === "queuekit:monitoring:Flower");
    assert.ok(component);
    assert.ok(!JSON.stringify(component.inputs).includes(FLOWER_PASSWORD), "the component's summary");
    assert.equal(outputs["flowerUrl"], "http://127.0.0.1:5555");
  });
});
