// The whole program under pulumi.runtime.setMocks, for an ssh stack of the 4 GiB preset: what it registers,
// with which limits and connection — and that no password or key is where `docker inspect` would show it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { type Registered, recordResources } from "./mocks";

const registered = recordResources("prod");

const PASSWORD = "pw-under-test-7f3a";
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nkey-under-test-91c2\n-----END OPENSSH PRIVATE KEY-----\n";
const host = {
  memory: "4GiB",
  cpus: 2,
  connection: { kind: "ssh", host: "203.0.113.10", sshOptions: ["-i", "/home/ops/.ssh/vps"] },
};
const workers = [
  { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery", "mail"] },
];
pulumi.runtime.setAllConfig(
  {
    "queuekit:preset": "4GiB",
    "queuekit:host": JSON.stringify(host),
    "queuekit:workers": JSON.stringify(workers),
    "queuekit:redisPassword": PASSWORD,
    "queuekit:sshPrivateKey": KEY,
  },
  ["queuekit:redisPassword", "queuekit:sshPrivateKey"],
);
const plan = planMemory(parseConfig({ preset: "4GiB", host, workers }));

const allContainers = (): Registered[] => registered.filter((r) => r.type === "docker:index/container:Container");
/** The containers that run; the config carriers (`start: false`) only hold files for them. */
const containers = (): Registered[] => allContainers().filter((c) => c.inputs["start"] !== false);
const carriers = (): Registered[] => allContainers().filter((c) => c.inputs["start"] === false);
const byName = (name: string): Registered => {
  const r = containers().find((c) => c.inputs["name"] === name);
  assert.ok(r, `container ${name} registered`);
  return r;
};

before(async () => {
  await import("../../infra/index");
  await new Promise((r) => setTimeout(r, 200)); // let the outputs' applies register their resources
});

describe("the program, mocked", () => {
  it("registers Redis, the pool and the exporter with the planned memory and memorySwap (MiB)", () => {
    assert.deepEqual(
      containers()
        .map((c) => [c.inputs["name"], c.inputs["memory"], c.inputs["memorySwap"]])
        .sort(),
      [
        ["qk-prod-monitoring", plan.monitoring!.limit.mib, plan.monitoring!.limit.mib],
        ["qk-prod-redis", plan.redis.limit.mib, plan.redis.limit.mib],
        ["qk-prod-worker-default-0", plan.workers[0]!.limit.mib, plan.workers[0]!.limit.mib],
      ].sort(),
    );
  });

  it("hardens every container: no capabilities, no-new-privileges, the plan's CPU weight", () => {
    const shares: Record<string, number> = {
      "qk-prod-monitoring": plan.monitoring!.cpuShares,
      "qk-prod-redis": plan.redis.cpuShares,
      "qk-prod-worker-default-0": plan.workers[0]!.cpuShares,
    };
    assert.ok(plan.redis.cpuShares > plan.workers[0]!.cpuShares, "the broker outweighs the workers");
    for (const c of containers()) {
      const name = String(c.inputs["name"]);
      assert.deepEqual(c.inputs["capabilities"], { drops: ["ALL"] }, name);
      assert.deepEqual(c.inputs["securityOpts"], ["no-new-privileges:true"], name);
      assert.equal(c.inputs["cpuShares"], shares[name], name);
      assert.equal(c.inputs["privileged"], undefined, name);
    }
  });

  it("runs every container as an explicit non-root uid:gid, carriers too: its runAs or its image's known user", () => {
    const users: Record<string, string> = {
      "qk-prod-monitoring": "59000:59000",
      "qk-prod-monitoring-config": "59000:59000",
      "qk-prod-redis": "999:999",
      "qk-prod-redis-config": "999:999",
      "qk-prod-worker-default-0": "1000:1000",
      "qk-prod-worker-default-config": "1000:1000",
    };
    assert.deepEqual(Object.fromEntries(allContainers().map((c) => [c.inputs["name"], c.inputs["user"]])), users);
  });

  it("read-only roots: config through a never-started carrier's volume, mounted read-only; a PIDs bound each", () => {
    const names = containers().map((c) => String(c.inputs["name"]));
    assert.deepEqual(
      carriers()
        .map((c) => String(c.inputs["name"]))
        .sort(),
      ["qk-prod-monitoring-config", "qk-prod-redis-config", "qk-prod-worker-default-config"],
    );
    for (const c of containers()) {
      const name = String(c.inputs["name"]);
      assert.equal(c.inputs["readOnly"], true, name);
      assert.equal(c.inputs["uploads"], undefined, `${name}: no uploads (Docker refuses them on a read-only root)`);
      const volumes = c.inputs["volumes"] as { volumeName: string; readOnly?: boolean }[];
      assert.ok(
        volumes.some((v) => v.volumeName === `${name.replace(/-\d+$/, "")}-config` && v.readOnly === true),
        `${name}: its carrier's volume, read-only: ${JSON.stringify(volumes)}`,
      );
    }
    const pids = registered.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-pids"));
    assert.deepEqual(
      pids.map((p) => String(p.inputs["create"]).split(" ").slice(-1)[0]).sort(),
      names.map((n) => `'${n}'`).sort(),
    );
  });

  it("reaches the VPS's Docker over ssh:// with BatchMode and the configured ssh options", () => {
    const provider = registered.find((r) => r.type === "pulumi:providers:docker");
    assert.equal(provider?.inputs["host"], "ssh://root@203.0.113.10:22");
    assert.deepEqual(JSON.parse(String(provider?.inputs["sshOpts"])), [
      "-o",
      "BatchMode=yes",
      "-i",
      "/home/ops/.ssh/vps",
    ]);
  });

  it("prepares the host with remote commands and manages its daemon.json", () => {
    const steps = registered.filter((r) => r.type === "command:remote:Command").map((r) => r.name);
    assert.ok(
      steps.some((s) => s.endsWith("docker-daemon")),
      `steps: ${steps.join(", ")}`,
    );
    assert.ok(steps.some((s) => s.endsWith("sysctl")));
  });

  it("the exporter watches every queue and publishes on loopback only", () => {
    const exporter = byName("qk-prod-monitoring");
    const cmd = exporter.inputs["command"] as string[];
    assert.equal(cmd[cmd.indexOf("-check-single-keys") + 1], "db0=celery,db0=mail");
    assert.deepEqual(exporter.inputs["ports"], [{ internal: 9121, external: 9121, ip: "127.0.0.1" }]);
  });

  it("no password or key where `docker inspect` shows it: argv, env, labels, healthcheck, the provider", () => {
    const visible = [
      ...allContainers().flatMap((c) => ["command", "envs", "labels", "healthcheck"].map((k) => c.inputs[k])),
      registered.find((r) => r.type === "pulumi:providers:docker")?.inputs,
    ];
    assert.equal(visible.length, 6 * 4 + 1);
    const text = JSON.stringify(visible);
    assert.ok(!text.includes(PASSWORD), "the Redis password");
    assert.ok(!text.includes("key-under-test-91c2"), "the ssh key");
  });
});
