import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../infra/config/errors";
import { mergeOver, parseConfig } from "../../infra/config/parse";
import { configRefusal } from "./refusal";
import { readStackConfig } from "../../infra/config/pulumi";
import { rawFromEntries } from "../../infra/config/raw";
import type { PreforkPoolConfig } from "../../infra/config/types";
import { formatSize, GiB, KiB, MiB, parseSize } from "../../infra/config/units";
import { defaultReserve, planMemory } from "../../infra/plan/planner";
import { specsOf } from "../../infra/plan/pools";
import type { PreforkPoolPlan } from "../../infra/plan/types";

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const minimal = { host: { memory: "2GiB", cpus: 2 }, workers: [pool] };

/** `minimal` with one key path replaced (a value of undefined removes it). */
function withKey(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(minimal) as Record<string, unknown>;
  const parts = path.split(/\.|\[(\d+)\]/).filter(Boolean);
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
  return copy;
}

/** The issues of a config that must be refused. */
const problems = (raw: unknown) => configRefusal(raw).issues;

/** Asserts the refusal names the key and the bad value, and says what is accepted. */
function assertRefused(raw: unknown, path: string, value: unknown, accepted: RegExp): void {
  const issue = problems(raw).find((i) => i.path === path);
  assert.ok(
    issue,
    `no issue at ${path}: ${problems(raw)
      .map((i) => i.path)
      .join(", ")}`,
  );
  assert.deepEqual(issue.value, value);
  assert.match(issue.message, accepted);
  const line = `queuekit:${path}: got ${JSON.stringify(value) ?? "nothing"} — `;
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok((error as Error).message.includes(line), `message lacks "${line}":\n${(error as Error).message}`);
  }
}

describe("parseSize", () => {
  it("reads binary units, decimals and a space", () => {
    assert.deepEqual(parseSize("2GiB"), { ok: true, value: 2 * GiB });
    assert.deepEqual(parseSize("512MiB"), { ok: true, value: 512 * MiB });
    assert.deepEqual(parseSize("1.5GiB"), { ok: true, value: 1536 * MiB });
    assert.deepEqual(parseSize("64 KiB"), { ok: true, value: 64 * KiB });
    assert.deepEqual(parseSize("100B"), { ok: true, value: 100 });
  });

  const refusals: [unknown, RegExp][] = [
    ["2GB", /decimal unit.*write "2GiB"/],
    ["2gb", /decimal unit.*write "2GiB"/],
    ["2G", /ambiguous.*write "2GiB"/],
    ["2gib", /case-sensitive.*write "2GiB"/],
    ["2048", /bare number/],
    [2048, /bare number.*"2048MiB"/],
    ["-1GiB", /negative/],
    ["0.1KiB", /whole number of bytes/],
    ["2TiB", /unknown unit "TiB"/],
    ["lots", /binary unit B, KiB, MiB or GiB/],
    [undefined, /missing/],
  ];
  for (const [input, reason] of refusals) {
    it(`refuses ${JSON.stringify(input)} naming the accepted form`, () => {
      const parsed = parseSize(input);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.match(parsed.reason, reason);
        assert.match(parsed.reason, /e\.g\. "512MiB", "2GiB", "1\.5GiB"/);
      }
    });
  }

  it("formats sizes exactly and shortest", () => {
    assert.equal(formatSize(2 * GiB), "2GiB");
    assert.equal(formatSize(1536 * MiB), "1536MiB");
    assert.equal(formatSize(100), "100B");
  });
});

describe("parseConfig defaults", () => {
  const config = parseConfig(minimal);

  it("fills the host defaults", () => {
    assert.equal(config.host.memory, 2 * GiB);
    assert.equal(planMemory(config).host.reserve.bytes, 384 * MiB);
    assert.deepEqual(config.host.connection, { kind: "local" });
    assert.deepEqual(config.host.sysctl, { overcommitMemory: 1, swappiness: 1, somaxconn: 4096 });
    assert.equal(config.host.transparentHugePages, "never");
    assert.equal(config.host.swapFile, 0);
    assert.equal(config.host.emulate, false);
  });

  it("derives the reserve as 256MiB + memory/16, in whole MiB", () => {
    assert.equal(defaultReserve(GiB), 320 * MiB);
    assert.equal(defaultReserve(8 * GiB), 768 * MiB);
    assert.equal(defaultReserve(1000 * MiB) % MiB, 0);
  });

  it("fills the redis defaults: a quarter of the host, aof, noeviction, unpublished", () => {
    assert.deepEqual(
      { ...config.redis, memory: planMemory(config).redis.limit.bytes },
      {
        image: "redis:7",
        memory: 512 * MiB,
        persistence: "aof",
        maxmemoryPolicy: "noeviction",
        bind: "none",
        port: 6379,
        tcpBacklog: 511,
        activeDefrag: true,
        tls: false,
        // docker-library/redis: useradd -u 999 redis.
        runAs: "999:999",
      },
    );
  });

  it("fills the prefork pool defaults, and leaves the sizes to the plan", () => {
    const w = config.workers[0] as PreforkPoolConfig;
    assert.equal(w.pool, "prefork");
    assert.equal(w.concurrency, "auto");
    assert.equal(w.perChildMemory, undefined);
    assert.equal(w.parentMemory, undefined);
    assert.equal(w.maxTasksPerChild, undefined);
    assert.equal(w.prefetchMultiplier, undefined);
    assert.equal(w.profile, undefined);
    const planned = planMemory(config).workers[0] as PreforkPoolPlan;
    assert.deepEqual([planned.budget.perUnit, planned.budget.parent], [128 * MiB, 96 * MiB]);
    assert.deepEqual([planned.maxTasksPerChild, planned.prefetchMultiplier], [200, 2]);
    assert.equal(w.replicas, 1);
    assert.equal(w.swap, 0);
    assert.equal(w.autoscale, undefined);
  });

  it("sizes gevent, threads and solo pools per task", () => {
    const c = parseConfig({
      ...minimal,
      workers: [
        { ...pool, name: "io", pool: "gevent", concurrency: 200 },
        { ...pool, name: "t", pool: "threads" },
        { ...pool, name: "one", pool: "solo" },
      ],
    });
    assert.deepEqual(
      c.workers.map((w, i) => [w.pool, w.concurrency, specsOf(w, i, 2).whole.unit / MiB]),
      [
        ["gevent", 200, 4],
        ["threads", "auto", 4],
        ["solo", 1, 128],
      ],
    );
  });

  it("resolves a redis share of host.memory to whole MiB", () => {
    const redisLimit = (share: string) => planMemory(parseConfig(withKey("redis.memory", share))).redis.limit.bytes;
    assert.equal(redisLimit("12.5%"), 256 * MiB);
    assert.equal(redisLimit("33%"), 675 * MiB);
  });

  it("keeps autoscale.max as the concurrency the memory is sized for", () => {
    const w = parseConfig(withKey("workers[0].autoscale", { max: 6, min: 2 })).workers[0];
    assert.equal(w.concurrency, 6);
    assert.deepEqual(w.pool === "prefork" && w.autoscale, { max: 6, min: 2 });
  });

  it("defaults an ssh connection to port 22 and root", () => {
    const c = parseConfig(withKey("host.connection", { kind: "ssh", host: "203.0.113.10" }));
    assert.deepEqual(c.host.connection, { kind: "ssh", host: "203.0.113.10", port: 22, user: "root", sshOptions: [] });
  });

  it("manages daemon.json on an ssh host by default, never on the local target; keeps the ssh options", () => {
    assert.equal(parseConfig(minimal).host.manageDaemonJson, false);
    const ssh = { kind: "ssh", host: "203.0.113.10", sshOptions: ["-i", "~/.ssh/vps"] };
    const c = parseConfig(withKey("host.connection", ssh));
    assert.equal(c.host.manageDaemonJson, true);
    assert.deepEqual(c.host.connection.kind === "ssh" && c.host.connection.sshOptions, ["-i", "~/.ssh/vps"]);
    const external = { ...minimal, host: { ...minimal.host, connection: ssh, manageDaemonJson: false } };
    assert.equal(parseConfig(external).host.manageDaemonJson, false);
  });

  it("raises the somaxconn default with a larger tcpBacklog", () => {
    assert.equal(parseConfig(withKey("redis.tcpBacklog", 8192)).host.sysctl.somaxconn, 8192);
  });

  it("accepts loopback and private bind addresses", () => {
    for (const bind of [
      "127.0.0.1",
      "::1",
      "10.0.0.5",
      "172.20.1.1",
      "192.168.1.10",
      "100.101.102.103",
      "fd12:3456::1",
    ]) {
      assert.equal(parseConfig(withKey("redis.bind", bind)).redis.bind, bind);
    }
  });
});

describe("presets", () => {
  it("fill the config; explicit keys override them, lists replace", () => {
    const c = parseConfig({ preset: "2GiB", host: { cpus: 4 }, redis: { memory: "300MiB" } });
    assert.equal(c.preset, "2GiB");
    assert.equal(c.host.memory, 2 * GiB);
    assert.equal(c.host.cpus, 4);
    assert.equal(planMemory(c).redis.limit.bytes, 300 * MiB);
    assert.equal(c.workers[0].name, "default");
    const own = parseConfig({ preset: "2GiB", workers: [{ ...pool, name: "mine" }] });
    assert.deepEqual(
      own.workers.map((w) => w.name),
      ["mine"],
    );
  });

  it("mergeOver merges objects key by key and replaces the rest", () => {
    assert.deepEqual(mergeOver({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] }), {
      a: { b: 1, c: 3 },
      l: [9],
    });
  });

  it("refuses an unknown preset naming the accepted ones", () => {
    assertRefused({ preset: "3GiB" }, "preset", "3GiB", /one of "1GiB", "2GiB", "4GiB", "8GiB"/);
  });
});

describe("parseConfig refusals name the key, the value and what is accepted", () => {
  it("wrong unit 2GB", () =>
    assertRefused(withKey("host.memory", "2GB"), "host.memory", "2GB", /decimal unit.*"2GiB"/));
  it("bare number", () => assertRefused(withKey("host.memory", 2048), "host.memory", 2048, /bare number/));
  it("negative size", () =>
    assertRefused(
      withKey("workers[0].perChildMemory", "-150MiB"),
      "workers[0].perChildMemory",
      "-150MiB",
      /cannot be negative/,
    ));
  it("zero size", () =>
    assertRefused(withKey("monitoring.memory", "0MiB"), "monitoring.memory", "0MiB", /zero: at least 16MiB/));
  it("host too small", () =>
    assertRefused(withKey("host.memory", "256MiB"), "host.memory", "256MiB", /at least 512MiB/));

  for (const key of ["perChildMemory", "maxTasksPerChild", "autoscale"]) {
    for (const kind of ["gevent", "threads", "solo"]) {
      it(`${key} with a ${kind} pool`, () => {
        const value = key === "perChildMemory" ? "150MiB" : key === "maxTasksPerChild" ? 100 : { max: 4, min: 1 };
        const raw = { ...minimal, workers: [{ ...pool, pool: kind, [key]: value }] };
        assertRefused(
          raw,
          `workers[0].${key}`,
          value,
          new RegExp(`only the prefork pool.*pool "${kind}".*remove ${key}`),
        );
      });
    }
  }
  it("perTaskMemory with a prefork pool", () =>
    assertRefused(
      withKey("workers[0].perTaskMemory", "8MiB"),
      "workers[0].perTaskMemory",
      "8MiB",
      /prefork pool is sized by perChildMemory/,
    ));

  for (const policy of ["allkeys-lru", "allkeys-lfu", "allkeys-random"]) {
    it(`${policy} for a broker`, () =>
      assertRefused(
        withKey("redis.maxmemoryPolicy", policy),
        "redis.maxmemoryPolicy",
        policy,
        /evicts queued tasks.*"noeviction"/,
      ));
  }
  it("unknown eviction policy", () =>
    assertRefused(
      withKey("redis.maxmemoryPolicy", "lru"),
      "redis.maxmemoryPolicy",
      "lru",
      /one of "noeviction", "volatile-lru"/,
    ));

  it("public bind 0.0.0.0", () =>
    assertRefused(withKey("redis.bind", "0.0.0.0"), "redis.bind", "0.0.0.0", /every interface.*"none"/));
  it("public bind ::", () => assertRefused(withKey("redis.bind", "::"), "redis.bind", "::", /every interface/));
  it("public address", () =>
    assertRefused(withKey("redis.bind", "8.8.8.8"), "redis.bind", "8.8.8.8", /public address/));
  it("not an address", () =>
    assertRefused(withKey("redis.bind", "localhost"), "redis.bind", "localhost", /not an IP address/));

  it("unknown top-level key", () =>
    assertRefused(
      { ...minimal, worker: [] },
      "worker",
      [],
      /unknown key; the queuekit config accepts: preset, host, redis, workers, monitoring/,
    ));
  it("unknown nested key", () =>
    assertRefused(withKey("host.memroy", "2GiB"), "host.memroy", "2GiB", /unknown key; host accepts: memory, cpus/));
  it("unknown pool key", () =>
    assertRefused(
      withKey("workers[0].concurency", 4),
      "workers[0].concurency",
      4,
      /unknown key; a worker pool accepts: name, image/,
    ));

  it("missing required keys", () => {
    assertRefused({ host: { memory: "1GiB" } }, "host.cpus", undefined, /a whole number from 1 to 256/);
    assertRefused({ host: { memory: "1GiB", cpus: 1 } }, "workers", undefined, /a list of worker pool/);
    assertRefused({ ...minimal, workers: [] }, "workers", [], /at least one worker pool/);
  });

  it("overcommit_memory other than 1", () =>
    assertRefused(
      withKey("host.sysctl.overcommitMemory", 0),
      "host.sysctl.overcommitMemory",
      0,
      /Redis forks.*one of 1/,
    ));
  it("transparent huge pages always", () =>
    assertRefused(
      withKey("host.transparentHugePages", "always"),
      "host.transparentHugePages",
      "always",
      /2 MiB pages.*"never"/,
    ));
  it("somaxconn below tcpBacklog", () =>
    assertRefused(
      withKey("host.sysctl.somaxconn", 128),
      "host.sysctl.somaxconn",
      128,
      /at least redis.tcpBacklog \(511\)/,
    ));
  it("redis share out of range", () =>
    assertRefused(withKey("redis.memory", "95%"), "redis.memory", "95%", /from 1% to 90%/));
  it("redis share too small for Redis", () =>
    assertRefused(withKey("redis.memory", "2%"), "redis.memory", "2%", /resolves to 40MiB.*at least 64MiB/));
  it("bad connection kind", () =>
    assertRefused(
      withKey("host.connection", { kind: "telnet" }),
      "host.connection.kind",
      "telnet",
      /\{kind: "local"\} or \{kind: "ssh"/,
    ));
  it("ssh options not a list of words", () =>
    assertRefused(
      withKey("host.connection", { kind: "ssh", host: "203.0.113.10", sshOptions: "-i ~/.ssh/vps" }),
      "host.connection.sshOptions",
      "-i ~/.ssh/vps",
      /a list of ssh option words/,
    ));
  it("daemon.json managed on the local target", () =>
    assertRefused(
      withKey("host.manageDaemonJson", true),
      "host.manageDaemonJson",
      true,
      /local target shares this machine's Docker engine.*use an ssh connection/,
    ));
  it("metrics published on every interface", () =>
    assertRefused(
      withKey("monitoring.bind", "0.0.0.0"),
      "monitoring.bind",
      "0.0.0.0",
      /publishes Redis' metrics \(keys, clients, config\) on every interface/,
    ));
  it("queue backlog alert of zero", () =>
    assertRefused(withKey("monitoring.queueBacklogAlert", 0), "monitoring.queueBacklogAlert", 0, /from 1 to/));
  it("solo with concurrency 4", () => {
    const raw = { ...minimal, workers: [{ ...pool, pool: "solo", concurrency: 4 }] };
    assertRefused(raw, "workers[0].concurrency", 4, /one task at a time/);
  });
  it("concurrency 0", () =>
    assertRefused(withKey("workers[0].concurrency", 0), "workers[0].concurrency", 0, /"auto".*from 1 to 10000/));
  it("concurrency together with autoscale", () => {
    const raw = { ...minimal, workers: [{ ...pool, autoscale: { max: 4, min: 1 }, concurrency: 4 }] };
    assertRefused(raw, "workers[0].concurrency", 4, /either concurrency or autoscale/);
  });
  it("autoscale min above max", () =>
    assertRefused(
      withKey("workers[0].autoscale", { max: 2, min: 3 }),
      "workers[0].autoscale.min",
      3,
      /must not exceed autoscale.max \(2\)/,
    ));
  it("prefetch multiplier 0", () =>
    assertRefused(withKey("workers[0].prefetchMultiplier", 0), "workers[0].prefetchMultiplier", 0, /without limit/));
  it("soft time limit not below the hard one", () => {
    const raw = { ...minimal, workers: [{ ...pool, softTimeLimit: 300, timeLimit: 300 }] };
    assertRefused(raw, "workers[0].softTimeLimit", 300, /below timeLimit \(300 s\)/);
  });
  it("swap without allowSwap, allowSwap without swap, swap without a host swap file", () => {
    assertRefused(withKey("workers[0].swap", "256MiB"), "workers[0].swap", "256MiB", /only with allowSwap: true/);
    assertRefused(withKey("workers[0].allowSwap", true), "workers[0].swap", undefined, /needs a bounded swap size/);
    const raw = { ...minimal, workers: [{ ...pool, allowSwap: true, swap: "256MiB" }] };
    assertRefused(raw, "workers[0].swap", "256MiB", /host.swapFile is "none"/);
  });
  it("duplicate pool names", () => {
    const raw = { ...minimal, workers: [pool, { ...pool }] };
    assertRefused(raw, "workers[1].name", "default", /already the name of workers\[0\]/);
  });
  it("a name that is not a DNS label", () =>
    assertRefused(withKey("workers[0].name", "Default_Pool"), "workers[0].name", "Default_Pool", /DNS label/));

  it("lists every problem at once, one line each", () => {
    const raw = { host: { memory: "2GB", cpus: 0 }, redis: { bind: "0.0.0.0" }, workers: [pool], extra: 1 };
    const error = (() => {
      try {
        parseConfig(raw);
      } catch (e) {
        return e as ConfigError;
      }
      assert.fail("accepted");
    })();
    assert.deepEqual(error.issues.map((i) => i.path).sort(), ["extra", "host.cpus", "host.memory", "redis.bind"]);
    assert.match(error.message, /^queuekit config has 4 problems:\n {2}queuekit:/);
    assert.equal(error.message.split("\n").length, 5);
  });
});

describe("rawFromEntries", () => {
  it("keeps the queuekit namespace without its secrets", () => {
    const raw = rawFromEntries({
      "queuekit:host": { memory: "1GiB" },
      "queuekit:redisPassword": { secure: "v1:abc" },
      "queuekit:sshPrivateKey": "key",
      "docker:host": "unix:///var/run/docker.sock",
    });
    assert.deepEqual(raw, { host: { memory: "1GiB" } });
  });
});

describe("readStackConfig", () => {
  const run = (config: Record<string, string>, secrets: string[] = []) => {
    pulumi.runtime.setAllConfig(config, secrets);
    try {
      return readStackConfig(new pulumi.Config("queuekit"));
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  };
  const stack = {
    "queuekit:preset": "1GiB",
    "queuekit:host": JSON.stringify({ cpus: 2 }),
    "queuekit:redisPassword": "s3cret",
  };

  it("parses structured keys and keeps the secrets as Outputs", () => {
    const read = run(stack, ["queuekit:redisPassword"]);
    assert.equal(read.config.host.memory, GiB);
    assert.equal(read.config.host.cpus, 2);
    assert.ok(pulumi.Output.isInstance(read.redisPassword));
    assert.equal(read.sshPrivateKey, undefined);
    assert.equal(JSON.stringify(read.config).includes("s3cret"), false);
  });

  it("refuses a misspelt key of the namespace", () => {
    assert.throws(
      () => run({ ...stack, "queuekit:monitor": JSON.stringify({ enabled: true }) }),
      /queuekit:monitor: got \{"enabled":true\} — unknown key/,
    );
  });

  it("requires redisPassword, and sshPrivateKey for an ssh host", () => {
    const noPassword: Record<string, string> = { ...stack };
    delete noPassword["queuekit:redisPassword"];
    assert.throws(() => run(noPassword), /queuekit:redisPassword: got nothing — required: pulumi config set --secret/);
    const ssh = {
      ...stack,
      "queuekit:host": JSON.stringify({ cpus: 2, connection: { kind: "ssh", host: "203.0.113.10" } }),
    };
    assert.throws(() => run(ssh), /queuekit:sshPrivateKey: got nothing — required with host.connection.kind "ssh"/);
    assert.ok(pulumi.Output.isInstance(run({ ...ssh, "queuekit:sshPrivateKey": "KEY" }).sshPrivateKey));
  });
});
