// Several hosts: the `hosts` and `placement` keys, their refusals, and each host planned on its own.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crossHostPasswordIssue, layoutOf, spreadReplicas } from "../../infra/config/hosts";
import { parseConfig } from "../../infra/config/parse";
import { configRefusal } from "./refusal";
import { MiB } from "../../infra/config/units";
import { PlanError } from "../../infra/plan/errors";
import { planHosts, renderHostsSvg, renderHostsTable } from "../../infra/plan/hosts";
import { planMemory } from "../../infra/plan/planner";

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const ssh = (host: string) => ({ kind: "ssh", host });
const broker = { name: "broker", privateAddress: "10.0.0.2", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.10") };
const worker1 = {
  name: "worker-1",
  privateAddress: "10.0.0.3",
  memory: "4GiB",
  cpus: 4,
  connection: ssh("203.0.113.11"),
};
const twoHosts = {
  hosts: [broker, worker1],
  placement: { redis: "broker", workers: { default: ["broker", "worker-1"] } },
  redis: { memory: "512MiB" },
  workers: [{ ...pool, replicas: 3 }],
};

const issues = (raw: unknown) => configRefusal(raw).issues;

/** The refusal is at `path`, shows `value`, and its message names the fix. */
function assertRefused(raw: unknown, path: string, value: unknown, fix: RegExp): void {
  const found = issues(raw).find((i) => i.path === path);
  assert.ok(
    found,
    `no issue at ${path}: ${issues(raw)
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ")}`,
  );
  assert.deepEqual(found.value, value);
  assert.match(found.message, fix);
}

describe("hosts config", () => {
  it("keeps a single host as it was: one host named host runs everything", () => {
    const config = parseConfig({ host: { memory: "2GiB", cpus: 2 }, workers: [{ ...pool, replicas: 2 }] });
    assert.equal(config.hosts, undefined);
    const [only, ...rest] = layoutOf(config);
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { name: only!.name, key: only!.key, redis: only!.redis, beat: only!.beat, pools: only!.pools },
      { name: "host", key: "host", redis: true, beat: true, pools: [{ source: 0, replicas: 2 }] },
    );
  });

  it("reads hosts and placement; config.host is Redis' host with its defaults filled", () => {
    const config = parseConfig(twoHosts);
    assert.equal(config.hosts?.list.length, 2);
    assert.deepEqual(config.hosts?.placement, {
      redis: "broker",
      beat: "broker",
      workers: { default: ["broker", "worker-1"] },
    });
    assert.equal(config.host.memory, 2048 * MiB);
    assert.equal(config.host.manageDaemonJson, true, "ssh: daemon.json managed");
    assert.equal("name" in config.host, false);
    assert.deepEqual(
      layoutOf(config).map((h) => [h.name, h.key, h.privateAddress, h.redis, h.pools]),
      [
        ["broker", "hosts[0]", "10.0.0.2", true, [{ source: 0, replicas: 2 }]],
        ["worker-1", "hosts[1]", "10.0.0.3", false, [{ source: 0, replicas: 1 }]],
      ],
    );
  });

  it("places by default: Redis on the first host, beat beside it, each pool on every host", () => {
    const config = parseConfig({ ...twoHosts, placement: undefined });
    assert.deepEqual(config.hosts?.placement, {
      redis: "broker",
      beat: "broker",
      workers: { default: ["broker", "worker-1"] },
    });
  });

  it("spreads replicas evenly, the first hosts taking the remainder", () => {
    assert.deepEqual(spreadReplicas(3, 2), [2, 1]);
    assert.deepEqual(spreadReplicas(4, 2), [2, 2]);
    assert.deepEqual(spreadReplicas(5, 3), [2, 2, 1]);
  });

  it("refuses host and hosts together, and neither", () => {
    assertRefused({ ...twoHosts, host: { memory: "2GiB", cpus: 2 } }, "hosts", twoHosts.hosts, /not both/);
    assertRefused({ ...twoHosts, hosts: undefined }, "host", undefined, /required: the VPS .* or hosts:/);
    assertRefused(
      { host: { memory: "2GiB", cpus: 2 }, placement: { redis: "a" }, workers: [pool] },
      "placement",
      { redis: "a" },
      /write hosts, or remove placement/,
    );
  });

  it("refuses names placement does not know, and duplicate host names", () => {
    assertRefused(
      { ...twoHosts, placement: { redis: "brokr" } },
      "placement.redis",
      "brokr",
      /no such host: use one of "broker", "worker-1"/,
    );
    assertRefused({ ...twoHosts, placement: { beat: "nope" } }, "placement.beat", "nope", /no such host/);
    assertRefused(
      { ...twoHosts, placement: { workers: { default: ["broker", "worker-2"] } } },
      "placement.workers.default[1]",
      "worker-2",
      /no such host/,
    );
    assertRefused(
      { ...twoHosts, placement: { workers: { other: ["broker"] } } },
      "placement.workers.other",
      ["broker"],
      /no such pool: use one of "default"/,
    );
    assertRefused(
      { ...twoHosts, hosts: [broker, { ...worker1, name: "broker" }] },
      "hosts[1].name",
      "broker",
      /host names must be unique/,
    );
    assertRefused(
      { ...twoHosts, hosts: [broker, { ...worker1, privateAddress: "vps-2" }] },
      "hosts[1].privateAddress",
      "vps-2",
      /an IP address/,
    );
  });

  it("refuses fewer replicas than the hosts a pool is placed on", () => {
    assertRefused(
      { ...twoHosts, workers: [{ ...pool, replicas: 1 }] },
      "workers[0].replicas",
      1,
      /placed on 2 hosts \(broker, worker-1\): at least 2 replicas, one per host/,
    );
  });

  it("refuses a public or loopback address for Redis when workers run on other hosts", () => {
    assertRefused(
      { ...twoHosts, hosts: [{ ...broker, privateAddress: "203.0.113.10" }, worker1] },
      "hosts[0].privateAddress",
      "203.0.113.10",
      /a public address: Redis \(placement\.redis\) binds here .* private network/,
    );
    assertRefused(
      { ...twoHosts, hosts: [{ ...broker, privateAddress: "127.0.0.1" }, worker1] },
      "hosts[0].privateAddress",
      "127.0.0.1",
      /a loopback address/,
    );
    assertRefused(
      { ...twoHosts, redis: { bind: "10.9.9.9" } },
      "redis.bind",
      "10.9.9.9",
      /binds to its host's privateAddress \(10\.0\.0\.2\) only: remove redis\.bind/,
    );
    // Everything on one host: nothing crosses a network, the address is not used.
    const alone = {
      ...twoHosts,
      hosts: [{ ...broker, privateAddress: "203.0.113.10" }, worker1],
      placement: { workers: { default: ["broker"] } },
    };
    assert.equal(parseConfig(alone).hosts?.placement.redis, "broker");
  });

  it("refuses a short Redis password only across hosts", () => {
    const { placement } = parseConfig(twoHosts).hosts!;
    const issue = crossHostPasswordIssue("short", placement);
    assert.deepEqual(issue?.path, ["redisPassword"]);
    assert.equal(issue?.value, "(5 characters)", "the secret itself is never shown");
    assert.match(issue!.message, /at least 16 characters, e\.g\. pulumi config set --secret queuekit:redisPassword/);
    assert.equal(crossHostPasswordIssue("x".repeat(16), placement), undefined);
    assert.equal(crossHostPasswordIssue("short", { ...placement, workers: { default: ["broker"] } }), undefined);
    assert.equal(crossHostPasswordIssue("short", undefined), undefined);
  });
});

describe("planHosts", () => {
  it("plans a single host exactly as planMemory", () => {
    const config = parseConfig({ preset: "4GiB", workers: [{ ...pool, replicas: 2 }] });
    const [only] = planHosts(config);
    assert.deepEqual(only!.plan, planMemory(config));
    assert.equal(renderHostsTable(planHosts(config), "t").split("\n")[0], "queuekit memory plan — t");
  });

  it("plans each host from its own memory and cpus, Redis and beat where placed", () => {
    const config = parseConfig({ ...twoHosts, beat: { enabled: true } });
    const [b, w] = planHosts(config);
    assert.equal(b!.plan.redis?.limit.mib, 512);
    assert.equal(w!.plan.redis, undefined);
    assert.ok(b!.plan.beat && !w!.plan.beat);
    assert.deepEqual([b!.plan.workers.map((p) => p.replicas), w!.plan.workers.map((p) => p.replicas)], [[2], [1]]);
    assert.ok(w!.plan.workers[0]!.concurrency > b!.plan.workers[0]!.concurrency, "the bigger host runs more children");
    for (const h of [b!, w!]) {
      const used =
        h.plan.host.reserve.bytes +
        (h.plan.redis?.limit.bytes ?? 0) +
        (h.plan.beat?.limit.bytes ?? 0) +
        h.plan.workers.reduce((t, p) => t + p.limit.bytes * p.replicas, 0);
      assert.equal(used + h.plan.headroom.bytes, h.plan.host.memory.bytes, `${h.name} adds up`);
    }
    assert.deepEqual(planMemory(config), { ...b!.plan, redis: b!.plan.redis }, "planMemory: Redis' host");
  });

  it("refuses a host that does not fit, naming it and what overflows", () => {
    const raw = {
      ...twoHosts,
      hosts: [broker, { ...worker1, memory: "1GiB" }],
      workers: [{ ...pool, replicas: 4, concurrency: 2 }],
    };
    assert.throws(
      () => planHosts(parseConfig(raw)),
      (error: unknown) => {
        assert.ok(error instanceof PlanError);
        assert.deepEqual(error.host, { name: "worker-1", key: "hosts[1]" });
        assert.match(error.message, /^queuekit plan does not fit host "worker-1" \(hosts\[1\]\): it asks/);
        assert.match(error.message, /queuekit:hosts\[1\]\.memory +available +1024 +or raise hosts\[1\]\.memory/);
        assert.match(error.message, /queuekit:workers\[0\] +default: 2 × \d+ MiB/);
        assert.match(error.message, /queuekit:hosts\[1\]\.reserve/);
        return true;
      },
    );
  });

  it("shows every host: a table each and one picture with a bar each", () => {
    const hosts = planHosts(parseConfig(twoHosts));
    const table = renderHostsTable(hosts, "two");
    assert.match(table, /^queuekit memory plan — two — host broker \(hosts\[0\], 10\.0\.0\.2\): redis, default ×2$/m);
    assert.match(table, /^queuekit memory plan — two — host worker-1 \(hosts\[1\], 10\.0\.0\.3\): default ×1$/m);
    assert.equal(table.match(/^redis /gm)?.length, 1, "Redis in one table only");
    const svg = renderHostsSvg(hosts, "two");
    assert.equal(svg.match(/<svg /g)?.length, 3, "the picture and a bar per host");
    assert.match(svg, /<svg x="0" y="0" /);
    assert.match(svg, /host worker-1 \(hosts\[1\], 10\.0\.0\.3\)/);
    assert.equal(svg.match(/redis limit \d+ MiB/g)?.length, 1);
  });
});
