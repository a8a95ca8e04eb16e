// The whole program under mocks for two hosts over ssh: each host prepared and given its own Docker provider, Redis
// published on its host's private address only, the pool spread 2 + 1 with replicas numbered once, and the workers on
// the other host reaching Redis at that address.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly provider?: string;
}
const registered: Registered[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      return { id: `${args.name}-id`, state: { ...args.inputs, stdout: "", stderr: "" } };
    },
    call: (args) => args.inputs,
  },
  "queuekit",
  "prod",
  false,
);

const PASSWORD = "pw-under-test-across-hosts-5d1e";
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nkey-under-test-77a0\n-----END OPENSSH PRIVATE KEY-----\n";
const hosts = [
  { name: "broker", privateAddress: "10.0.0.2", memory: "2GiB", cpus: 2, connection: { kind: "ssh", host: "vps-a" } },
  { name: "worker-1", privateAddress: "10.0.0.3", memory: "2GiB", cpus: 2, connection: { kind: "ssh", host: "vps-b" } },
];
const workers = [
  { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"], replicas: 3 },
];
pulumi.runtime.setAllConfig(
  {
    "queuekit:hosts": JSON.stringify(hosts),
    "queuekit:placement": JSON.stringify({ redis: "broker", beat: "worker-1" }),
    "queuekit:redis": JSON.stringify({ memory: "512MiB" }),
    "queuekit:workers": JSON.stringify(workers),
    "queuekit:beat": JSON.stringify({ enabled: true, memory: "96MiB" }),
    "queuekit:redisPassword": PASSWORD,
    "queuekit:sshPrivateKey": KEY,
  },
  ["queuekit:redisPassword", "queuekit:sshPrivateKey"],
);

const ofType = (type: string): Registered[] => registered.filter((r) => r.type === type);
/** The running containers (not the file carriers) by name, with the id of the provider that creates them. */
const running = (): Registered[] =>
  ofType("docker:index/container:Container").filter((c) => c.inputs["start"] !== false);
const providerOf = (r: Registered): string | undefined =>
  ofType("pulumi:providers:docker").find((p) => r.provider?.includes(`::${p.name}::`))?.inputs["host"] as string;

before(async () => {
  await import("../../infra/index");
  await new Promise((r) => setTimeout(r, 300)); // let the outputs' applies register their resources
});

describe("the program on two hosts, mocked", () => {
  it("prepares each host with VpsHost and gives each its own Docker provider over ssh", () => {
    assert.deepEqual(
      ofType("queuekit:host:VpsHost")
        .map((r) => (r.inputs["connection"] as { host: string }).host)
        .sort(),
      ["vps-a", "vps-b"],
    );
    assert.deepEqual(
      ofType("pulumi:providers:docker")
        .map((p) => p.inputs["host"])
        .sort(),
      ["ssh://root@vps-a:22", "ssh://root@vps-b:22"],
    );
  });

  it("runs Redis on its host, published on the private address only; the pool 2 + 1, numbered once; beat where placed", () => {
    const where = Object.fromEntries(running().map((c) => [c.inputs["name"], providerOf(c)]));
    assert.deepEqual(where, {
      "qk-prod-redis": "ssh://root@vps-a:22",
      "qk-prod-worker-default-0": "ssh://root@vps-a:22",
      "qk-prod-worker-default-1": "ssh://root@vps-a:22",
      "qk-prod-worker-default-2": "ssh://root@vps-b:22",
      "qk-prod-beat": "ssh://root@vps-b:22",
    });
    const redis = running().find((c) => c.inputs["name"] === "qk-prod-redis")!;
    assert.deepEqual(
      (redis.inputs["ports"] as { ip: string }[]).map((p) => p.ip),
      ["10.0.0.2"],
    );
  });

  it("gives the other host's workers and beat the broker at Redis' private address, Redis' own host the network alias", () => {
    const files = ofType("docker:index/container:Container")
      .filter((c) => c.inputs["start"] === false)
      .map((c) => ({ host: providerOf(c), text: JSON.stringify(c.inputs) }))
      .filter((c) => c.text.includes("broker_url"));
    const urls = (host: string) =>
      files.filter((f) => f.host === host).flatMap((f) => f.text.match(/redis:\/\/:[^@]*@[^/\\"]+/g) ?? []);
    assert.ok(urls("ssh://root@vps-b:22").length >= 2, "the pool's and beat's config on worker-1");
    for (const url of urls("ssh://root@vps-b:22")) assert.equal(url, `redis://:${PASSWORD}@10.0.0.2:6379`);
    assert.ok(urls("ssh://root@vps-a:22").length >= 1);
    for (const url of urls("ssh://root@vps-a:22")) assert.doesNotMatch(url, /10\.0\.0\.2/);
  });

  it("keeps the password out of what `docker inspect` shows on either host", () => {
    for (const c of running())
      assert.doesNotMatch(JSON.stringify(c.inputs), new RegExp(PASSWORD), String(c.inputs["name"]));
  });
});

describe("the program on two hosts, mocked: host paths", () => {
  const scripts = (prefix: string) =>
    ofType("command:remote:Command")
      .filter((c) => c.name.startsWith(prefix))
      .map((c) => `${String(c.inputs["create"])}\n${String(c.inputs["delete"] ?? "")}`)
      .join("\n");

  it("Redis' host keeps the one-host paths; the other host's carry its name", () => {
    const broker = scripts("host-");
    const other = scripts("host-worker-1-vps-");
    assert.ok(other.length > 0 && broker.length > other.length);
    assert.match(other, /\/etc\/sysctl\.d\/90-queuekit-prod:worker-1\.conf/);
    assert.match(other, /\/var\/lib\/queuekit\/prod:worker-1/);
    assert.doesNotMatch(other, /\/var\/lib\/queuekit\/prod'/);
    const own = scripts("host-sysctl") + scripts("host-boot") + scripts("host-thp");
    assert.match(own, /\/etc\/sysctl\.d\/90-queuekit-prod\.conf/);
    assert.doesNotMatch(own, /prod:[a-z0-9]/);
  });
});
