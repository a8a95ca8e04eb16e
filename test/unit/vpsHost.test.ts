// VpsHost under pulumi.runtime.setMocks: which commands it registers for each target, their triggers and
// order, the secret key, the summary the policy pack reads, and the refusals that come before any resource.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type * as VpsHostModule from "../../infra/components/vpsHost";
import { parseConfig } from "../../infra/config/parse";
import type { QueuekitConfig } from "../../infra/config/types";
import { planMemory } from "../../infra/plan/planner";
import { renderHostSteps } from "../../infra/render/host/steps";
import { recordResources } from "./mocks";

const registered = recordResources("test");

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const stackConfig = (host: Record<string, unknown>): QueuekitConfig =>
  parseConfig({ host: { memory: "2GiB", cpus: 2, ...host }, workers: [pool] });
const ssh = { kind: "ssh", host: "203.0.113.10", port: 2222, user: "root", sshOptions: [] };
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const secret = <T>(o: pulumi.Output<T>): Promise<boolean> => pulumi.isSecret(o);

let VpsHost: typeof VpsHostModule.VpsHost;
before(async () => {
  ({ VpsHost } = await import("../../infra/components/vpsHost"));
});

function make(name: string, host: Record<string, unknown>, extra: Partial<VpsHostModule.VpsHostArgs> = {}) {
  const config = stackConfig(host);
  return new VpsHost(name, {
    stack: "test",
    config: config.host,
    plan: planMemory(config).host,
    redisTcpBacklog: config.redis.tcpBacklog,
    // The config leaves daemon.json alone on the local target; these tests manage it on both unless told not to.
    docker: { manage: true },
    ...extra,
  });
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

describe("VpsHost over ssh", () => {
  let host: VpsHostModule.VpsHost;
  before(async () => {
    host = make("vps", { connection: ssh, swapFile: "512MiB" }, { sshPrivateKey: pulumi.secret(KEY) });
    await settle();
  });

  it("registers one remote command per step, named after the step, under the component", () => {
    const commands = registered.filter((r) => r.name.startsWith("vps-"));
    assert.deepEqual(
      commands.map((r) => [r.type, r.name]).sort(),
      ["boot", "docker-daemon", "docker-install", "swap", "sysctl", "thp"].map((s) => [
        "command:remote:Command",
        `vps-${s}`,
      ]),
    );
    assert.equal(host.cgroupParent, undefined);
  });

  it("triggers each command on the hash of what it installs, and reverts with its delete script", async () => {
    const config = stackConfig({ connection: ssh, swapFile: "512MiB" });
    const steps = renderHostSteps({
      stack: "test",
      host: config.host,
      memory: planMemory(config).host.memory.bytes,
      redisTcpBacklog: 511,
      docker: { manage: true, configFile: "/etc/docker/daemon.json", restart: "auto" },
    });
    for (const step of steps) {
      const cmd = host.steps[step.name];
      assert.ok(cmd, step.name);
      assert.deepEqual(await value(cmd.triggers), [step.hash]);
      assert.equal(await value(cmd.create), step.create);
      assert.equal(await value(cmd.delete), step.delete);
    }
  });

  it("keeps the private key secret: the connection output is a secret", async () => {
    const cmd = host.steps.sysctl as import("@pulumi/command").remote.Command;
    assert.equal(await secret(cmd.connection), true);
    const connection = (await value(cmd.connection)) as unknown as Record<string, unknown>;
    assert.equal(connection.privateKey, KEY);
    assert.equal(connection.host, "203.0.113.10");
    assert.equal(connection.port, 2222);
    assert.equal(connection.dialErrorLimit, 30);
  });

  it("registers a plain summary as the component's inputs, without the key", () => {
    const component = registered.find((r) => r.type === "queuekit:host:VpsHost" && r.name === "vps");
    assert.ok(component);
    const i = component.inputs;
    const config = stackConfig({ connection: ssh, swapFile: "512MiB" });
    const plan = planMemory(config);
    assert.equal(i.memoryBytes, plan.host.memory.bytes);
    assert.equal(i.reserveBytes, plan.host.reserve.bytes);
    assert.deepEqual(i.connection, { kind: "ssh", host: "203.0.113.10", port: 2222, user: "root" });
    assert.deepEqual(i.sysctl, { overcommitMemory: 1, swappiness: 1, somaxconn: config.host.sysctl.somaxconn });
    assert.equal(i.thp, "never");
    assert.equal(i.swapFileBytes, 512 * 2 ** 20);
    assert.ok(Object.keys(i.files as object).includes("/etc/docker/daemon.json"));
    assert.doesNotMatch(JSON.stringify(i), /PRIVATE KEY|not-a-real-key/);
  });
});

describe("VpsHost on this machine", () => {
  it("runs local commands through /bin/sh, with the emulated host's cgroup", async () => {
    const host = make("here", { connection: { kind: "local" }, emulate: true });
    await settle();
    const commands = registered.filter((r) => r.name.startsWith("here-"));
    assert.deepEqual(
      commands.map((r) => [r.type, r.name]).sort(),
      ["boot", "cgroup", "docker-daemon", "docker-install", "sysctl", "thp"].map((s) => [
        "command:local:Command",
        `here-${s}`,
      ]),
    );
    assert.deepEqual(commands[0].inputs.interpreter, ["/bin/sh", "-c"]);
    assert.equal(host.cgroupParent, "/queuekit-test");
    assert.match(String(commands.find((c) => c.name === "here-cgroup")?.inputs.create), /memory\.limit_in_bytes/);
  });

  it("emulates a small host over ssh too (test rigs: several hosts carved out of one machine), with its own cgroup", async () => {
    const host = make("emussh", { connection: ssh, emulate: true }, { sshPrivateKey: KEY, hostName: "b" });
    await settle();
    const step = registered.find((r) => r.name === "emussh-cgroup");
    assert.equal(step?.type, "command:remote:Command");
    assert.match(String(step?.inputs.create), /\/sys\/fs\/cgroup\/memory\/queuekit-test:b/);
    assert.equal(host.cgroupParent, "/queuekit-test:b");
  });

  it("leaves daemon.json alone when told to", async () => {
    make("nodocker", { connection: { kind: "local" } }, { docker: { manage: false } });
    await settle();
    assert.ok(!registered.some((r) => r.name === "nodocker-docker-daemon"));
    assert.ok(registered.some((r) => r.name === "nodocker-sysctl"));
  });
});

describe("VpsHost refusals", () => {
  it("throws before registering anything: ssh without a key", () => {
    const count = registered.length;
    assert.throws(
      () => make("nokey", { connection: ssh }),
      /ssh connection to root@203\.0\.113\.10:2222 needs sshPrivateKey/,
    );
    assert.equal(registered.length, count);
  });
});
