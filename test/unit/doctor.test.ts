// The doctor's pure parts: parsers, expectations from a config and plan, and the checks — a healthy stack gives no
// warning, and each fault alone gives exactly its finding with the measured value, the expected one and a fix.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import type { MemoryPlan } from "../../infra/plan/types";
import { diagnose, exitCodeOf } from "../../scripts/doctor/checks";
import { canonical, expectationsOf, queueLimitOf } from "../../scripts/doctor/expect";
import {
  checkEngine,
  EngineError,
  gatherFacts,
  hostFactsOf,
  hostProbe,
  redisCliScript,
  redisLine,
} from "../../scripts/doctor/gather";
import { type Runner, sshArgs } from "../../scripts/doctor/host";
import {
  errorCount,
  parseDockerSize,
  parseRedisInfo,
  parseSwaps,
  selectedThp,
  usageOf,
  workerLogEvents,
} from "../../scripts/doctor/parse";
import { engineFactsOf, engineFindings, engineProbe, epochOf } from "../../scripts/doctor/engine";
import { renderJson, renderTable } from "../../scripts/doctor/report";
import { measuredLoadOf } from "../../scripts/doctor/growth";
import { growthOf } from "../../infra/plan/grow";
import { planHosts } from "../../infra/plan/hosts";
import type { ContainerFacts, Expectations, Facts, Finding, HostFacts } from "../../scripts/doctor/types";

const MiB = 2 ** 20;
const STACK = "t";

/** Like Pulumi.local.yaml: the 2 GiB preset on this machine, emulated, with the exporter. */
const RAW = {
  preset: "2GiB",
  host: { memory: "2GiB", cpus: 2, connection: { kind: "local" }, emulate: true },
  redis: { image: "queuekit/redis:7-local", bind: "127.0.0.1", port: 16379, activeDefrag: false },
  monitoring: { enabled: true, image: "queuekit/redis-exporter:local", port: 19121 },
};
const config = parseConfig(RAW);
const plan = planMemory(config);
const workerNames = plan.workers.flatMap((w) =>
  Array.from({ length: w.replicas }, (_, i) => `qk-${STACK}-worker-${w.name}-${i}`),
);
const outputs = {
  memoryPlan: JSON.parse(JSON.stringify(plan)) as unknown,
  redisContainer: `qk-${STACK}-redis`,
  workerContainers: workerNames,
};
const expect = expectationsOf(STACK, config, plan, outputs);

const healthyHost: HostFacts = {
  overcommitMemory: 1,
  swappiness: 1,
  somaxconn: 4096,
  thpEnabled: "always madvise [never]",
  thpDefrag: "always defer defer+madvise madvise [never]",
  swaps: [],
  memTotalBytes: 24 * 1024 * MiB,
  cgroupLimitBytes: 2048 * MiB,
};

const healthyInfo: Record<string, string> = {
  redis_version: "7.0.15",
  maxmemory: String(plan.redis.maxmemory.bytes),
  maxmemory_policy: "noeviction",
  used_memory: String(2 * MiB),
  used_memory_rss: String(12 * MiB),
  mem_fragmentation_ratio: "1.1",
  evicted_keys: "0",
  rejected_connections: "0",
  loading: "0",
  aof_enabled: "1",
  aof_last_write_status: "ok",
  aof_last_bgrewrite_status: "ok",
  rdb_last_save_time: "1000",
  rdb_changes_since_last_save: "4",
  rdb_last_bgsave_status: "ok",
  errorstat_NOSCRIPT: "count=1",
};

function healthyContainer(name: string): ContainerFacts {
  const want = expect.containers.find((c) => c.name === name)!;
  return {
    name,
    exists: true,
    status: "running",
    health: "healthy",
    oomKilled: false,
    restartCount: 0,
    createdAt: DEPLOYED_AT,
    startedAt: DEPLOYED_AT + 1,
    limitBytes: want.limitBytes,
    memorySwapBytes: want.memorySwapBytes,
    usageBytes: Math.floor(want.limitBytes * 0.2),
    oomKills: 0,
    ...(want.role === "worker" && { recycles: 2, childDeaths: 0 }),
  };
}

/** Recorded on the shared engine: dockerd up since before the deploy (seconds since the epoch). */
const ENGINE_STARTED_AT = 1_796_340_000;
const DEPLOYED_AT = ENGINE_STARTED_AT + 3_600;

function healthy(): Facts {
  return {
    host: healthyHost,
    engine: { startedAt: ENGINE_STARTED_AT, pid: 20668, liveRestore: false },
    redis: { info: healthyInfo, queueLengths: { celery: 3 } },
    containers: expect.containers.map((c) => healthyContainer(c.name)),
    now: 1300,
  };
}

const problems = (findings: readonly Finding[]) => findings.filter((f) => f.severity !== "ok");

/** Exactly one finding is off, with this severity, subject and check; its row names the value, expectation and fix. */
function assertOnly(
  findings: readonly Finding[],
  severity: Finding["severity"],
  subject: string,
  check: string,
  measured?: RegExp,
) {
  const off = problems(findings);
  assert.equal(off.length, 1, `expected one problem, got ${JSON.stringify(off, null, 1)}`);
  const [f] = off;
  assert.deepEqual([f.severity, f.subject, f.check], [severity, subject, check]);
  assert.ok(
    f.measured && f.expected && f.action,
    `a problem names measured, expected and action: ${JSON.stringify(f)}`,
  );
  if (measured) assert.match(f.measured, measured);
}

const redisName = `qk-${STACK}-redis`;
const worker0 = workerNames[0];
const withHost = (host: Partial<HostFacts>): Facts => ({ ...healthy(), host: { ...healthyHost, ...host } });
const withInfo = (info: Record<string, string>): Facts => ({
  ...healthy(),
  redis: { info: { ...healthyInfo, ...info }, queueLengths: { celery: 3 } },
});
const withContainer = (name: string, facts: Partial<ContainerFacts>): Facts => ({
  ...healthy(),
  containers: healthy().containers.map((c) => (c.name === name ? { ...c, ...facts } : c)),
});

describe("doctor parsers", () => {
  it("reads Redis INFO, its error stats and THP's selected value", () => {
    const info = parseRedisInfo(
      "# Memory\r\nused_memory:1319248\r\nmaxmemory_policy:noeviction\r\n\r\n# Errorstats\r\nerrorstat_OOM:count=7\r\n",
    );
    assert.deepEqual(info, { used_memory: "1319248", maxmemory_policy: "noeviction", errorstat_OOM: "count=7" });
    assert.equal(errorCount(info, "OOM"), 7);
    assert.equal(errorCount(info, "NOSCRIPT"), 0);
    assert.equal(selectedThp("always madvise [never]"), "never");
    assert.equal(selectedThp("[always] defer defer+madvise madvise never"), "always");
    assert.equal(selectedThp(undefined), undefined);
  });

  it("reads /proc/swaps, docker stats sizes and worker logs", () => {
    const swaps =
      "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/var/lib/queuekit/x/swapfile file\t\t65532\t\t0\t\t-2\n";
    assert.deepEqual(parseSwaps(swaps), [{ file: "/var/lib/queuekit/x/swapfile", kib: 65532 }]);
    assert.deepEqual(parseSwaps("Filename Type Size Used Priority\n"), []);
    assert.equal(parseDockerSize("95.65MiB"), Math.round(95.65 * MiB));
    assert.equal(parseDockerSize("1.5GiB"), 1.5 * 1024 * MiB);
    assert.equal(parseDockerSize("512B"), 512);
    assert.equal(parseDockerSize("--"), undefined);
    assert.equal(usageOf("3.75MiB / 512MiB"), Math.round(3.75 * MiB));
    const logs = [
      "[2026-12-03 12:00:00,000: WARNING/MainProcess] child process exiting after exceeding memory limit (120000KiB / 111411KiB)",
      "[2026-12-03 12:00:01,000: ERROR/MainProcess] Process 'ForkPoolWorker-3' pid:41 exited with 'signal 9 (SIGKILL)'",
      "[2026-12-03 12:00:02,000: INFO/MainProcess] Task demo.add[1] succeeded",
    ].join("\n");
    assert.deepEqual(workerLogEvents(logs), { recycles: 1, childDeaths: 1 });
  });

  it("reads the host probe's answer, an unreadable value left out", () => {
    const text = [
      "overcommit=1",
      "swappiness=60",
      "somaxconn=4096",
      "thp_enabled=always [madvise] never",
      "thp_defrag=",
      "memtotal_kib=2000000",
      "cgroup_limit=",
      "--- /proc/swaps",
      "Filename Type Size Used Priority",
      "/swap file 1024 0 -2",
    ].join("\n");
    assert.deepEqual(hostFactsOf(text), {
      overcommitMemory: 1,
      swappiness: 60,
      somaxconn: 4096,
      thpEnabled: "always [madvise] never",
      thpDefrag: undefined,
      memTotalBytes: 2_000_000 * 1024,
      cgroupLimitBytes: undefined,
      swaps: [{ file: "/swap", kib: 1024 }],
    });
    assert.match(hostProbe(expect), /queuekit-t\/memory\.limit_in_bytes/);
  });

  it("asks Redis with the password read inside the container, never in an argv", () => {
    const script = redisCliScript(redisName, 16379);
    assert.match(script, /^docker exec -i 'qk-t-redis' sh -c /);
    assert.match(script, /REDISCLI_AUTH=/);
    assert.doesNotMatch(script, / -a /);
    assert.equal(redisLine("LLEN", 'we"ird\\q'), '"LLEN" "we\\"ird\\\\q"');
    assert.doesNotMatch(script, /--tls/);
    // redis.tls: the port speaks TLS only; redis-cli verifies Redis against the CA in Redis' own container.
    assert.match(
      redisCliScript(redisName, 16379, true),
      /redis-cli -p 16379 --tls --cacert \/usr\/local\/etc\/redis\/tls\/ca\.crt/,
    );
  });

  it("runs ssh with the stack's options, its key and BatchMode", () => {
    const connection = {
      kind: "ssh" as const,
      host: "203.0.113.10",
      port: 2222,
      user: "root",
      sshOptions: ["-o", "UserKnownHostsFile=/k"],
    };
    assert.deepEqual(sshArgs(connection, "/tmp/key"), [
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=15",
      "-o",
      "UserKnownHostsFile=/k",
      "-i",
      "/tmp/key",
      "-p",
      "2222",
      "root@203.0.113.10",
    ]);
  });
});

describe("doctor expectations", () => {
  it("come from the config and plan: containers with their planned limits, queues, host values", () => {
    assert.deepEqual(
      expect.containers.map((c) => [c.name, c.role, c.limitBytes / MiB]),
      [
        [redisName, "redis", plan.redis.limit.mib],
        ...plan.workers.map((w) => [`qk-t-worker-${w.name}-0`, "worker", w.limit.mib]),
        ["qk-t-monitoring", "side", 64],
      ],
    );
    assert.deepEqual(expect.queues, ["celery"]);
    assert.equal(expect.host.somaxconn, 4096);
    assert.equal(expect.host.transparentHugePages, "never");
    assert.equal(expect.host.emulatedCgroup, "/sys/fs/cgroup/memory/queuekit-t");
    assert.equal(expect.target, "localhost");
    assert.equal(expect.deployedPlanMatches, true);
  });

  it("notice a deployed plan that is not the config's plan, whatever the key order", () => {
    const reordered = JSON.parse(canonical(plan)) as unknown;
    assert.equal(expectationsOf(STACK, config, plan, { ...outputs, memoryPlan: reordered }).deployedPlanMatches, true);
    const other: MemoryPlan = { ...plan, headroom: { bytes: 0, mib: 0 } };
    const stale = expectationsOf(STACK, config, plan, {
      ...outputs,
      memoryPlan: JSON.parse(JSON.stringify(other)) as unknown,
    });
    assertOnly(diagnose(stale, healthy()), "warning", STACK, "deployed plan");
  });

  it("size the queue limit from a measured backlog, the exporter's alert or --queue-warn", () => {
    const measured: MemoryPlan = { ...plan, redis: { ...plan.redis, backlog: { messages: 1000, byTask: {} } } };
    assert.deepEqual(queueLimitOf(config, measured, {}), {
      warnAt: 500,
      failAt: 900,
      basis: "half of plan.redis.backlog 1,000",
    });
    assert.deepEqual(queueLimitOf(config, measured, { queueWarn: 5 }), {
      warnAt: 5,
      failAt: 900,
      basis: "--queue-warn",
    });
    assert.deepEqual(queueLimitOf(config, plan, {}), { warnAt: 10_000, basis: "monitoring.queueBacklogAlert" });
  });
});

describe("doctor checks", () => {
  it("find nothing wrong on a healthy stack: exit 0", () => {
    const findings = diagnose(expect, healthy());
    assert.deepEqual(problems(findings), []);
    assert.equal(exitCodeOf(findings), 0);
    const subjects = new Set(findings.map((f) => f.subject));
    for (const name of [
      "vm.overcommit_memory",
      "transparent_hugepage/enabled",
      "transparent_hugepage/defrag",
      "vm.swappiness",
      "net.core.somaxconn",
      "swap",
      redisName,
      worker0,
      "qk-t-monitoring",
      "celery",
    ])
      assert.ok(subjects.has(name), `a row for ${name}`);
  });

  it("host: each setting off the plan, alone", () => {
    assertOnly(diagnose(expect, withHost({ overcommitMemory: 0 })), "failure", "vm.overcommit_memory", "value", /^0$/);
    assertOnly(
      diagnose(expect, withHost({ thpEnabled: "[always] madvise never" })),
      "failure",
      "transparent_hugepage/enabled",
      "value",
      /always/,
    );
    assertOnly(
      diagnose(expect, withHost({ thpDefrag: "always defer defer+madvise [madvise] never" })),
      "warning",
      "transparent_hugepage/defrag",
      "value",
      /madvise/,
    );
    assertOnly(diagnose(expect, withHost({ swappiness: 60 })), "warning", "vm.swappiness", "value", /60/);
    assertOnly(diagnose(expect, withHost({ somaxconn: 128 })), "warning", "net.core.somaxconn", "value", /128/);
    assert.deepEqual(problems(diagnose(expect, withHost({ somaxconn: 65535 }))), [], "a higher somaxconn does no harm");
    assertOnly(
      diagnose(expect, withHost({ cgroupLimitBytes: undefined })),
      "failure",
      "emulated host (memory cgroup)",
      "memory limit",
    );
    assertOnly(
      diagnose(expect, withHost({ overcommitMemory: undefined })),
      "warning",
      "vm.overcommit_memory",
      "value",
      /unreadable/,
    );
    const unreachable = diagnose(expect, {
      ...healthy(),
      host: { error: "ssh: connect to host 203.0.113.10 port 22: Connection refused" },
    });
    assert.equal(problems(unreachable).length, 1);
    assert.equal(exitCodeOf(unreachable), 2);
  });

  it("host: a planned swap file that is off, and a VPS with less memory than planned", () => {
    const withSwap: Expectations = { ...expect, host: { ...expect.host, swapFileBytes: 64 * MiB } };
    assertOnly(diagnose(withSwap, healthy()), "failure", "swap", "swap");
    const on = withHost({ swaps: [{ file: expect.host.swapFilePath, kib: 65532 }] });
    assert.deepEqual(problems(diagnose(withSwap, on)), []);
    const vps: Expectations = { ...expect, host: { ...expect.host, emulatedCgroup: undefined } };
    assert.deepEqual(
      problems(diagnose(vps, withHost({ memTotalBytes: 1950 * MiB }))),
      [],
      "the kernel keeps a few percent",
    );
    assertOnly(diagnose(vps, withHost({ memTotalBytes: 1024 * MiB })), "failure", "MemTotal", "memory", /1024 MiB/);
  });

  it("redis: unreachable, near and at maxmemory, RSS near the limit", () => {
    const gone = diagnose(expect, {
      ...healthy(),
      redis: { error: "Error: No such container", queueLengths: { celery: undefined } },
    });
    assert.deepEqual(
      problems(gone).map((f) => [f.severity, f.subject, f.check]),
      [
        ["failure", redisName, "INFO"],
        ["warning", "celery", "depth"],
      ],
    );
    const max = plan.redis.maxmemory.bytes;
    assertOnly(
      diagnose(expect, withInfo({ used_memory: String(Math.floor(max * 0.8)) })),
      "warning",
      redisName,
      "used_memory",
      /80\.0%/,
    );
    assertOnly(diagnose(expect, withInfo({ used_memory: String(max) })), "failure", redisName, "used_memory");
    assertOnly(
      diagnose(expect, withInfo({ used_memory_rss: String(plan.redis.limit.bytes * 0.8) })),
      "warning",
      redisName,
      "used_memory_rss",
    );
    assertOnly(
      diagnose(expect, withInfo({ used_memory_rss: String(plan.redis.limit.bytes * 0.95) })),
      "failure",
      redisName,
      "used_memory_rss",
    );
  });

  it("redis: fragmentation once the dataset is not tiny, evictions, refused writes, drift, AOF errors", () => {
    assert.deepEqual(problems(diagnose(expect, withInfo({ mem_fragmentation_ratio: "9.9" }))), [], "tiny dataset");
    assertOnly(
      diagnose(
        expect,
        withInfo({ used_memory: String(64 * MiB), used_memory_rss: String(128 * MiB), mem_fragmentation_ratio: "2.0" }),
      ),
      "warning",
      redisName,
      "mem_fragmentation_ratio",
    );
    assertOnly(diagnose(expect, withInfo({ evicted_keys: "12" })), "warning", redisName, "evicted_keys", /12/);
    assertOnly(
      diagnose(expect, withInfo({ errorstat_OOM: "count=5" })),
      "warning",
      redisName,
      "rejected writes (errorstat_OOM)",
      /5/,
    );
    assertOnly(
      diagnose(expect, withInfo({ maxmemory: String(100 * MiB) })),
      "warning",
      redisName,
      "maxmemory",
      /100 MiB/,
    );
    assertOnly(
      diagnose(expect, withInfo({ maxmemory_policy: "allkeys-lru" })),
      "failure",
      redisName,
      "maxmemory-policy",
    );
    assertOnly(
      diagnose(expect, withInfo({ aof_last_write_status: "err" })),
      "failure",
      redisName,
      "aof_last_write_status",
      /err/,
    );
    assertOnly(diagnose(expect, withInfo({ aof_enabled: "0" })), "failure", redisName, "aof_enabled");
  });

  it("redis: RDB persistence judges the last save", () => {
    const rdb: Expectations = { ...expect, redis: { ...expect.redis, persistence: "rdb" } };
    assert.deepEqual(problems(diagnose(rdb, healthy())), []);
    const stale: Facts = { ...withInfo({ rdb_changes_since_last_save: "50" }), now: 1000 + 7200 };
    assertOnly(diagnose(rdb, stale), "warning", redisName, "last save", /7200 s ago/);
    assertOnly(
      diagnose(rdb, withInfo({ rdb_last_bgsave_status: "err" })),
      "failure",
      redisName,
      "rdb_last_bgsave_status",
    );
  });

  it("containers: missing, stopped, unhealthy, a limit changed by hand", () => {
    assertOnly(diagnose(expect, withContainer(worker0, { exists: false })), "failure", worker0, "exists", /missing/);
    assertOnly(diagnose(expect, withContainer(worker0, { status: "exited" })), "failure", worker0, "state", /exited/);
    assertOnly(diagnose(expect, withContainer(worker0, { health: "unhealthy" })), "failure", worker0, "health");
    assertOnly(diagnose(expect, withContainer(worker0, { health: "starting" })), "warning", worker0, "health");
    assertOnly(
      diagnose(expect, withContainer(redisName, { limitBytes: 256 * MiB, memorySwapBytes: 256 * MiB })),
      "failure",
      redisName,
      "memory limit",
      /256 MiB/,
    );
  });

  it("containers: memory near the limit, OOM kills, restarts, children killed", () => {
    const limit = expect.containers.find((c) => c.name === worker0)!.limitBytes;
    assertOnly(
      diagnose(expect, withContainer(worker0, { usageBytes: limit * 0.9 })),
      "warning",
      worker0,
      "memory use",
      /90\.0%/,
    );
    assertOnly(
      diagnose(expect, withContainer(worker0, { usageBytes: limit * 0.96 })),
      "failure",
      worker0,
      "memory use",
    );
    assertOnly(diagnose(expect, withContainer(worker0, { oomKills: 3 })), "warning", worker0, "OOM kills", /3/);
    assertOnly(diagnose(expect, withContainer(redisName, { oomKilled: true })), "failure", redisName, "OOMKilled");
    assertOnly(diagnose(expect, withContainer(worker0, { restartCount: 4 })), "warning", worker0, "restarts", /4/);
    assertOnly(
      diagnose(expect, withContainer(worker0, { childDeaths: 1 })),
      "warning",
      worker0,
      "children killed (logs)",
    );
  });

  it("queues: a backlog above the warning, and near a measured capacity", () => {
    const deep = (n: number): Facts => ({ ...healthy(), redis: { info: healthyInfo, queueLengths: { celery: n } } });
    assertOnly(diagnose(expect, deep(10_001)), "warning", "celery", "depth", /10,001/);
    const measured = expectationsOf(STACK, config, plan, outputs, { queueWarn: 10 });
    assertOnly(diagnose(measured, deep(11)), "warning", "celery", "depth", /11/);
    const capacity: Expectations = { ...expect, queueLimit: { warnAt: 500, failAt: 900, basis: "b" } };
    assertOnly(diagnose(capacity, deep(900)), "failure", "celery", "depth");
  });

  it("exit 2 for any failure, 1 for warnings only", () => {
    assert.equal(exitCodeOf(diagnose(expect, withContainer(worker0, { restartCount: 1 }))), 1);
    assert.equal(exitCodeOf(diagnose(expect, withContainer(worker0, { restartCount: 1, status: "exited" }))), 2);
  });
});

describe("doctor report", () => {
  it("a table with one row per finding and the counts; JSON with every field", () => {
    const findings = diagnose(expect, withContainer(worker0, { status: "exited" }));
    const report = { stack: STACK, target: "localhost", exitCode: exitCodeOf(findings), findings };
    const table = renderTable(report);
    assert.match(table, /^queuekit doctor — stack t on localhost/);
    assert.match(table, new RegExp(`^FAIL  ${worker0}\\s+state\\s+exited\\s+running\\s+docker logs`, "m"));
    assert.match(table, /1 failed, 0 warned, \d+ ok — exit 2$/);
    assert.equal(table.split("\n").length, findings.length + 5);
    assert.deepEqual(JSON.parse(renderJson(report)), report);
  });

  it("when to grow, with Redis' load now: used_memory first, else the queues' lengths; printed under the findings", () => {
    assert.deepEqual(measuredLoadOf({ info: { used_memory: "5242880" }, queueLengths: { celery: 7 } }), {
      redisUsedBytes: 5242880,
    });
    assert.deepEqual(measuredLoadOf({ error: "not running", queueLengths: { celery: 7, heavy: 3, gone: undefined } }), {
      queuedMessages: 10,
    });
    assert.deepEqual(measuredLoadOf({ queueLengths: { celery: undefined } }), {});
    const config = parseConfig({ preset: "2GiB" }, process.cwd());
    const idle = growthOf(config, planHosts(config), measuredLoadOf({ queueLengths: { celery: 0 } }));
    const busy = growthOf(
      config,
      planHosts(config),
      measuredLoadOf({ info: { used_memory: String(150 * 2 ** 20) }, queueLengths: {} }),
    );
    const backlog = (g: typeof idle) => g.limits.find((l) => l.limit === "redis-backlog")!;
    assert.ok(
      backlog(busy).headroom < backlog(idle).headroom,
      "what Redis holds now is taken from its backlog headroom",
    );
    const findings = diagnose(expect, withContainer(worker0, {}));
    const table = renderTable({ stack: STACK, target: "localhost", exitCode: 0, findings, growth: busy });
    assert.match(table, /— exit 0\n\nwhen to grow — closest limit: /);
  });
});

describe("doctor gathering, through a scripted runner", () => {
  const id = (name: string) => `id-${name}`;
  const inspected = expect.containers
    .filter((c) => c.name !== "qk-t-monitoring")
    .map((c) => ({
      Id: id(c.name),
      Name: `/${c.name}`,
      State: { Status: "running", OOMKilled: false, Health: { Status: "healthy" } },
      RestartCount: c.role === "worker" ? 2 : 0,
      Created: new Date(DEPLOYED_AT * 1000).toISOString(),
      HostConfig: { Memory: c.limitBytes, MemorySwap: c.memorySwapBytes },
    }));
  /** Answers like the host would: the monitoring container is missing; the worker was OOM-killed once. */
  const runner: Runner = (script, input) => {
    const answer = (stdout: string, code = 0) => ({ code, stdout, stderr: "" });
    if (script.startsWith("docker version")) return answer("27.5.1\n");
    if (script.startsWith("echo engine_probe=1"))
      return answer(`engine_probe=1\npid=20668\nnow=${ENGINE_STARTED_AT + 600}\netimes=600\nlive_restore=false\n`);
    if (script.startsWith("docker inspect")) return answer(JSON.stringify(inspected), 1);
    if (script.startsWith("docker stats")) return answer(`${redisName}\t4MiB / 512MiB\n${worker0}\t95.5MiB / 669MiB\n`);
    if (script.startsWith("docker logs"))
      return answer("x Process 'ForkPoolWorker-1' pid:9 exited with 'signal 9 (SIGKILL)'\n");
    if (script.startsWith("for id in")) return answer(`${id(redisName)} 0\n${id(worker0)} 1\n`);
    if (script.startsWith("docker exec"))
      return input?.startsWith('"INFO"')
        ? answer(
            Object.entries(healthyInfo)
              .map(([k, v]) => `${k}:${v}\r`)
              .join("\n"),
          )
        : answer("7\n");
    return answer(
      "overcommit=1\nswappiness=1\nsomaxconn=4096\nthp_enabled=[never]\nthp_defrag=[never]\nmemtotal_kib=1\ncgroup_limit=2147483648\n--- /proc/swaps\nFilename\n",
    );
  };

  it("turns the commands' answers into facts, and the facts into the findings", () => {
    const facts = gatherFacts(runner, expect);
    assert.deepEqual(facts.redis.queueLengths, { celery: 7 });
    const worker = facts.containers.find((c) => c.name === worker0)!;
    assert.deepEqual(
      [worker.usageBytes, worker.oomKills, worker.restartCount, worker.childDeaths, worker.recycles],
      [Math.round(95.5 * MiB), 1, 2, 1, 0],
    );
    assert.deepEqual(
      problems(diagnose(expect, facts)).map((f) => [f.severity, f.subject, f.check]),
      [
        ["warning", worker0, "OOM kills"],
        ["warning", worker0, "restarts"],
        ["warning", worker0, "children killed (logs)"],
        ["failure", "qk-t-monitoring", "exists"],
      ],
    );
  });

  it("stops with the engine named when no Docker engine answers", () => {
    const none: Runner = () => ({
      code: 1,
      stdout: "",
      stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
    });
    assert.throws(
      () => checkEngine(none, "localhost"),
      (e: unknown) =>
        e instanceof EngineError &&
        /no Docker engine answers on localhost: Cannot connect .* — start it/.test(e.message),
    );
  });
});

// Recorded on this machine's shared engine (Docker 20.10.24, live-restore off): the engine probe's answer, and
// `docker inspect` of a container created before that engine restarted and started again by it at its start.
const RECORDED_PROBE = "engine_probe=1\npid=20668\nnow=1796336863\netimes=572\nlive_restore=false\n";
const RECORDED_CREATED = "2026-12-03T20:55:51.781888698Z";
const RECORDED_STARTED = "2026-12-03T22:18:17.96670117Z";

describe("doctor: the engine restarted since the deploy", () => {
  const engineRows = (findings: readonly Finding[]) => findings.filter((f) => f.subject === "dockerd");
  const sshConfig = parseConfig({
    ...RAW,
    host: { memory: "2GiB", cpus: 2, connection: { kind: "ssh", host: "203.0.113.10", user: "root" } },
  });
  const sshExpect = expectationsOf(STACK, sshConfig, planMemory(sshConfig), outputs);

  it("reads the probe's answer and docker inspect's times (nanoseconds, Docker's zero time)", () => {
    assert.deepEqual(engineFactsOf(RECORDED_PROBE), { startedAt: 1_796_336_291, pid: 20668, liveRestore: false });
    assert.equal(epochOf(RECORDED_CREATED), Date.UTC(2026, 11, 3, 20, 55, 51, 781) / 1000);
    assert.equal(epochOf("0001-01-01T00:00:00Z"), undefined);
    assert.equal(epochOf(undefined), undefined);
    assert.match(engineFactsOf("engine_probe=1\npid=\nnow=1796336863\netimes=\nlive_restore=\n").error!, /no dockerd/);
    assert.match(engineFactsOf("").error!, /did not run/);
    assert.match(engineProbe(), /DOCKER_HOST.*\n[\s\S]*\/var\/run\/docker\.pid[\s\S]*etimes=/);
  });

  it("a fresh deploy on an engine up since before it: ok, and no live-restore row where daemon.json is not the kit's", () => {
    const rows = engineRows(diagnose(expect, healthy()));
    assert.deepEqual(
      rows.map((f) => [f.severity, f.check]),
      [["ok", "engine restart"]],
    );
    assert.match(rows[0].expected, /up since before the deploy/);
  });

  it("recorded: the engine restarted without live-restore and started the stack's containers again: a warning naming them", () => {
    const engine = engineFactsOf(RECORDED_PROBE);
    const facts: Facts = {
      ...healthy(),
      engine,
      containers: healthy().containers.map((c) => ({
        ...c,
        createdAt: epochOf(RECORDED_CREATED),
        startedAt: epochOf(RECORDED_STARTED),
      })),
    };
    const findings = diagnose(expect, facts);
    assertOnly(
      findings,
      "warning",
      "dockerd",
      "engine restart",
      /^restarted 2026-12-03T22:18:11Z, 82 min after the deploy; it restarted qk-t-redis, /,
    );
    assert.match(problems(findings)[0].action, /LiveRestoreEnabled.*run again after the visibility timeout/);
    assert.equal(exitCodeOf(findings), 1);
  });

  it("live-restore kept the containers running through the restart: a warning to find why, not a failure", () => {
    const facts: Facts = {
      ...healthy(),
      engine: { startedAt: DEPLOYED_AT + 7_200, liveRestore: true },
    };
    const findings = diagnose(sshExpect, facts);
    const rows = engineRows(findings);
    assert.deepEqual(
      rows.map((f) => [f.severity, f.check]),
      [
        ["ok", "live-restore"],
        ["warning", "engine restart"],
      ],
    );
    assert.equal(
      rows[1].measured,
      `restarted ${new Date((DEPLOYED_AT + 7_200) * 1000).toISOString().replace(".000", "")}, 2.0 h after the deploy; ${expect.containers.length} container(s) kept running (live-restore)`,
    );
    assert.match(rows[1].action, /nothing was stopped.*journalctl -u docker/);
    assert.equal(exitCodeOf(findings.filter((f) => f.subject === "dockerd")), 1);
  });

  it("a VPS whose engine runs without live-restore: the live-restore row warns with the fix", () => {
    const rows = engineRows(diagnose(sshExpect, healthy()));
    assert.deepEqual(
      rows.map((f) => [f.severity, f.check, f.measured]),
      [
        ["warning", "live-restore", "false"],
        ["ok", "engine restart", `up since ${new Date(ENGINE_STARTED_AT * 1000).toISOString().replace(".000", "")}`],
      ],
    );
    assert.match(rows[0].action, /npm run up \(the docker-daemon step writes daemon.json\)/);
  });

  it("containers created after the engine's last start (a redeploy): ok again; no dockerd found: a warning", () => {
    const later: Facts = { ...healthy(), engine: { startedAt: DEPLOYED_AT - 1, liveRestore: false } };
    assert.deepEqual(problems(engineFindings(expect, later.engine, later.containers)), []);
    const none = engineFindings(expect, { error: "no dockerd process found" }, healthy().containers);
    assert.deepEqual(
      none.map((f) => [f.severity, f.measured]),
      [["warning", "unreadable: no dockerd process found"]],
    );
  });
});
