// The program, mocked, with a pool that has settings and secrets: settings and env-mode secrets in the worker's env,
// file-mode secrets only in a never-started carrier's uploads (mode 0400, the worker's uid), mounted read-only.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { type Registered, recordResources } from "./mocks";

const registered = recordResources("apps");

const FILE_SECRET = "file-secret-under-test-5b1e";
const ENV_SECRET = "postgres://app:env-secret-under-test-c7d2@db/app";
const workers = [
  {
    name: "default",
    image: "acme/app:1",
    runAs: "1000:1000",
    app: "proj.celery",
    queues: ["celery"],
    env: { APP_MODE: "production" },
    secrets: { API_TOKEN: FILE_SECRET, DATABASE_URL: ENV_SECRET },
    secretsAsEnv: ["DATABASE_URL"],
    secretsUid: 1000,
  },
];
pulumi.runtime.setAllConfig(
  {
    "queuekit:preset": "2GiB",
    "queuekit:host": JSON.stringify({ memory: "2GiB", cpus: 2 }),
    "queuekit:workers": JSON.stringify(workers),
    "queuekit:redisPassword": "pw-under-test",
  },
  ["queuekit:redisPassword", "queuekit:workers"],
);

// How the mocks hand over a secret input: Pulumi's secret signature around the value.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function secretValue(input: unknown): unknown {
  assert.ok(typeof input === "object" && input !== null && SECRET_SIG in input, `a secret: ${JSON.stringify(input)}`);
  return (input as Record<string, unknown>)["value"];
}

const containers = (): Registered[] => registered.filter((r) => r.type === "docker:index/container:Container");
const worker = (): Registered => {
  const w = containers().find((c) => c.inputs["name"] === "qk-apps-worker-default-0");
  assert.ok(w, "the worker is registered");
  return w;
};
const secretsCarrier = (): Registered => {
  const c = containers().find((r) => String(r.inputs["name"]).startsWith("qk-apps-worker-default-secrets-"));
  assert.ok(c, "a carrier for the file secrets");
  return c;
};

before(async () => {
  await import("../../infra/index");
  await new Promise((r) => setTimeout(r, 200)); // let the outputs' applies register their resources
});

describe("a pool's settings and secrets, mocked", () => {
  it("settings and the env-mode secret are the worker's env, after the kit's own; the env a secret", () => {
    const envs = secretValue(worker().inputs["envs"]) as string[];
    assert.deepEqual(envs.slice(2), ["APP_MODE=production", `DATABASE_URL=${ENV_SECRET}`]);
    assert.match(envs[0], /^PYTHONPATH=/);
  });

  it("the file-mode secret is nowhere in the worker's inputs, nor in any name", () => {
    assert.ok(!JSON.stringify(worker().inputs).includes(FILE_SECRET));
    for (const r of registered)
      assert.ok(!r.name.includes(FILE_SECRET) && !String(r.inputs["name"]).includes(FILE_SECRET));
  });

  it("it is an upload of a never-started carrier: /run/secrets/API_TOKEN, 0400, owned by secretsUid", () => {
    const c = secretsCarrier();
    assert.equal(c.inputs["start"], false);
    assert.equal(c.inputs["networkMode"], "none");
    assert.deepEqual(secretValue(c.inputs["uploads"]), [
      { file: "/run/secrets/API_TOKEN", content: FILE_SECRET, permissions: "0400", owner: "1000", group: "1000" },
    ]);
    // Owned by runAs' uid; the carrier states no user, or dockerd's getent would refuse the owned upload.
    assert.equal(c.inputs["user"], undefined);
  });

  it("the worker mounts the secrets' volume read-only at /run/secrets and names its carrier in a label", () => {
    const volumes = worker().inputs["volumes"] as { volumeName: string; containerPath: string; readOnly: boolean }[];
    const carrierVolumes = secretsCarrier().inputs["volumes"] as { volumeName: string }[];
    assert.deepEqual(
      volumes.find((v) => v.containerPath === "/run/secrets"),
      { volumeName: carrierVolumes[0].volumeName, containerPath: "/run/secrets", readOnly: true },
    );
    assert.equal(worker().inputs["readOnly"], true);
    const labels = worker().inputs["labels"] as { label: string; value: string }[];
    assert.ok(
      labels.some((l) => l.label === "queuekit.secrets"),
      JSON.stringify(labels),
    );
  });
});
