// Pure checks: what the doctor expects and what it measured in, findings out. No I/O here.
import { engineFindings } from "./engine";
import { errorCount, selectedThp } from "./parse";
import { reachFinding } from "./reach";
import type {
  ContainerFacts,
  ExpectedContainer,
  Expectations,
  Facts,
  Finding,
  HostFacts,
  RedisFacts,
  Severity,
} from "./types";

const MiB = 2 ** 20;
/** Container memory use: a warning from this share of its limit, a failure from the next (the OOM killer is near). */
export const USAGE_WARN = 0.85;
export const USAGE_FAIL = 0.95;
/** Redis' used_memory: a warning from this share of maxmemory (the refusal starts at maxmemory − publishHeadroom). */
export const REDIS_USED_WARN = 0.75;
/** Redis' RSS against its container limit: the same 90% as the QueuekitRedisRssNearContainerLimit alert. */
export const REDIS_RSS_WARN = 0.75;
export const REDIS_RSS_FAIL = 0.9;
/** Fragmentation only means something once the dataset is not tiny (an empty Redis reads 10 and more). */
export const FRAGMENTATION_MIN_USED = 16 * MiB;
export const FRAGMENTATION_WARN = 1.5;
/** With RDB persistence: unsaved changes older than this are worth a word. */
export const RDB_STALE_SECONDS = 3600;

export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB`;
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const count = (n: number): string => n.toLocaleString("en-US");

type Draft = Omit<Finding, "area" | "subject">;
const ok = (check: string, measured: string, expected: string): Draft => ({
  severity: "ok",
  check,
  measured,
  expected,
  action: "",
});
const off = (severity: Severity, check: string, measured: string, expected: string, action: string): Draft => ({
  severity,
  check,
  measured,
  expected,
  action,
});
/** A measured value against a failure and a warning threshold, each reached when the value is at or above it. */
const graded = (
  check: string,
  value: number,
  measured: string,
  expected: string,
  failure: { readonly at: number; readonly action: string },
  warning: { readonly at: number; readonly action: string },
): Draft =>
  value >= failure.at
    ? off("failure", check, measured, expected, failure.action)
    : value >= warning.at
      ? off("warning", check, measured, expected, warning.action)
      : ok(check, measured, expected);
const about =
  (area: Finding["area"], subject: string) =>
  (draft: Draft): Finding => ({ area, subject, ...draft });

/** Every finding, in table order: the stack, the host, its engine, Redis, each container, each queue. */
export function diagnose(expect: Expectations, facts: Facts): Finding[] {
  return [
    ...stackFindings(expect),
    ...hostFindings(expect, facts.host),
    ...engineFindings(expect, facts.engine, facts.containers),
    ...redisFindings(expect, facts.redis, facts.now),
    ...expect.containers.flatMap((c) => {
      const got = facts.containers.find((f) => f.name === c.name);
      const address = `${expect.redis.alias}:${expect.redis.port}`;
      return [
        ...containerFindings(c, got, expect.stack),
        ...(got?.broker ? [reachFinding(c.name, address, got.broker)] : []),
      ];
    }),
    ...queueFindings(expect, facts.redis),
  ];
}

/** 0 all ok, 1 a warning, 2 a failure. */
export function exitCodeOf(findings: readonly Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.severity === "failure")) return 2;
  return findings.some((f) => f.severity === "warning") ? 1 : 0;
}

export function stackFindings(expect: Expectations): Finding[] {
  const draft = expect.deployedPlanMatches
    ? ok("deployed plan", "as the config plans now", "as the config plans now")
    : off(
        "warning",
        "deployed plan",
        "differs from the config's plan",
        "the config's plan",
        `the config changed since the last deploy: npm run plan -- --stack ${expect.stack}, then QUEUEKIT_STACK=${expect.stack} npm run up`,
      );
  return [about("stack", expect.stack)(draft)];
}

export function hostFindings(expect: Expectations, host: HostFacts): Finding[] {
  const want = expect.host;
  if (host.error !== undefined)
    return [
      about(
        "host",
        expect.target,
      )(off("failure", "reachable", host.error, "readable /proc and /sys", "check the connection (ssh) and retry")),
    ];
  const redo = `QUEUEKIT_STACK=${expect.stack} npm run up (the host step sets it again)`;
  const unread = (subject: string, expected: string): Finding =>
    about("host", subject)(off("warning", "value", "unreadable", expected, `read it by hand on ${expect.target}`));
  const sysctl = (
    name: string,
    got: number | undefined,
    wanted: number,
    severity: Severity,
    accept: (got: number) => boolean,
    why: string,
  ): Finding => {
    if (got === undefined) return unread(name, String(wanted));
    return about(
      "host",
      name,
    )(
      accept(got)
        ? ok("value", String(got), String(wanted))
        : off(severity, "value", String(got), `${wanted} (${why})`, redo),
    );
  };
  const thp = (file: "enabled" | "defrag", line: string | undefined): Finding => {
    const name = `transparent_hugepage/${file}`;
    const got = selectedThp(line);
    if (got === undefined) return unread(name, want.transparentHugePages);
    if (got === want.transparentHugePages) return about("host", name)(ok("value", got, got));
    // "always": every fork of a Redis save copies 2 MiB pages on write.
    const severity = got === "always" ? "failure" : "warning";
    return about(
      "host",
      name,
    )(off(severity, "value", got, `${want.transparentHugePages} (host.transparentHugePages)`, redo));
  };
  return [
    sysctl(
      "vm.overcommit_memory",
      host.overcommitMemory,
      want.overcommitMemory,
      "failure",
      (v) => v === want.overcommitMemory,
      "Redis' background save forks",
    ),
    thp("enabled", host.thpEnabled),
    thp("defrag", host.thpDefrag),
    sysctl(
      "vm.swappiness",
      host.swappiness,
      want.swappiness,
      "warning",
      (v) => v === want.swappiness,
      "host.sysctl.swappiness",
    ),
    // Above the planned value does no harm; below it, the kernel cuts Redis' listen backlog.
    sysctl(
      "net.core.somaxconn",
      host.somaxconn,
      want.somaxconn,
      "warning",
      (v) => v >= want.somaxconn,
      "at least Redis' tcp-backlog",
    ),
    swapFinding(expect, host),
    memoryFinding(expect, host),
  ];
}

function swapFinding(expect: Expectations, host: HostFacts): Finding {
  const { swapFileBytes, swapFilePath } = expect.host;
  const subject = about("host", "swap");
  if (host.swaps === undefined)
    return subject(off("warning", "swap", "unreadable", "/proc/swaps", `read /proc/swaps on ${expect.target}`));
  const total = host.swaps.reduce((sum, s) => sum + s.kib * 1024, 0);
  const listed = `${mib(total)} in ${host.swaps.length} area(s)`;
  if (swapFileBytes === 0) return subject(ok("swap", listed, "no swap file planned (containers never swap)"));
  const file = host.swaps.find((s) => s.file === swapFilePath);
  const expected = `${swapFilePath} of ${mib(swapFileBytes)} (host.swapFile)`;
  if (!file)
    return subject(
      off("failure", "swap", listed, expected, `QUEUEKIT_STACK=${expect.stack} npm run up (the swap step turns it on)`),
    );
  // /proc/swaps leaves out the swap header's page.
  const near = Math.abs(file.kib * 1024 - swapFileBytes) <= 64 * 1024;
  return subject(
    near
      ? ok("swap", `${swapFilePath} ${mib(file.kib * 1024)}`, expected)
      : off(
          "warning",
          "swap",
          `${swapFilePath} ${mib(file.kib * 1024)}`,
          expected,
          `QUEUEKIT_STACK=${expect.stack} npm run up`,
        ),
  );
}

function memoryFinding(expect: Expectations, host: HostFacts): Finding {
  const planned = expect.host.memoryBytes;
  if (expect.host.emulatedCgroup !== undefined) {
    const subject = about("host", "emulated host (memory cgroup)");
    const got = host.cgroupLimitBytes;
    if (got === undefined)
      return subject(
        off(
          "failure",
          "memory limit",
          "no such cgroup",
          mib(planned),
          `QUEUEKIT_STACK=${expect.stack} npm run up (the cgroup step creates it)`,
        ),
      );
    return subject(
      got === planned
        ? ok("memory limit", mib(got), mib(planned))
        : off(
            "failure",
            "memory limit",
            mib(got),
            `${mib(planned)} (host.memory)`,
            `QUEUEKIT_STACK=${expect.stack} npm run up`,
          ),
    );
  }
  const subject = about("host", "MemTotal");
  if (host.memTotalBytes === undefined)
    return subject(off("warning", "memory", "unreadable", mib(planned), "read /proc/meminfo"));
  // The kernel keeps a few percent of RAM for itself: a 2 GiB VPS shows about 1.9 GiB.
  return subject(
    host.memTotalBytes >= planned * 0.9
      ? ok("memory", mib(host.memTotalBytes), `about ${mib(planned)} (host.memory)`)
      : off(
          "failure",
          "memory",
          mib(host.memTotalBytes),
          `about ${mib(planned)} (host.memory)`,
          "set host.memory to what the host has, then npm run plan and npm run up",
        ),
  );
}

export function redisFindings(expect: Expectations, redis: RedisFacts, now: number): Finding[] {
  const want = expect.redis;
  const subject = about("redis", want.container);
  const info = redis.info;
  if (info === undefined)
    return [
      subject(
        off(
          "failure",
          "INFO",
          redis.error ?? "no answer",
          "an answer",
          `docker logs --tail 50 ${want.container}; see docs/runbook.md (QueuekitRedisDown)`,
        ),
      ),
    ];
  const num = (key: string): number => Number(info[key] ?? NaN);
  const findings: Draft[] = [];

  const maxmemory = num("maxmemory");
  findings.push(
    maxmemory === want.maxmemoryBytes
      ? ok("maxmemory", mib(maxmemory), mib(want.maxmemoryBytes))
      : off(
          "warning",
          "maxmemory",
          mib(maxmemory),
          `${mib(want.maxmemoryBytes)} (planned)`,
          `changed by hand (config set)? put it back: QUEUEKIT_STACK=${expect.stack} npm run up`,
        ),
  );
  const policy = info.maxmemory_policy ?? "?";
  findings.push(
    policy === want.policy
      ? ok("maxmemory-policy", policy, want.policy)
      : off(
          "failure",
          "maxmemory-policy",
          policy,
          want.policy,
          `a broker must not evict queued tasks: QUEUEKIT_STACK=${expect.stack} npm run up`,
        ),
  );

  const used = num("used_memory");
  const refuseAt = want.maxmemoryBytes - want.publishHeadroomBytes;
  const usedText = `${mib(used)} (${pct(used / want.maxmemoryBytes)} of maxmemory)`;
  const usedWant = `below ${pct(REDIS_USED_WARN)} of ${mib(want.maxmemoryBytes)}`;
  findings.push(
    graded(
      "used_memory",
      used,
      usedText,
      usedWant,
      {
        at: refuseAt,
        action:
          "producers are refused now: drain the queues or add consumers; see docs/runbook.md (QueuekitRedisRefusingWrites)",
      },
      {
        at: want.maxmemoryBytes * REDIS_USED_WARN,
        action:
          "the queues are filling: add consumers or raise redis.memory; see docs/runbook.md (QueuekitRedisNearMaxmemory)",
      },
    ),
  );

  const rss = num("used_memory_rss");
  const rssText = `${mib(rss)} (${pct(rss / want.limitBytes)} of its limit)`;
  const rssWant = `below ${pct(REDIS_RSS_FAIL)} of ${mib(want.limitBytes)}`;
  findings.push(
    graded(
      "used_memory_rss",
      rss,
      rssText,
      rssWant,
      {
        at: want.limitBytes * REDIS_RSS_FAIL,
        action: "an OOM kill is next: raise redis.memory; see docs/runbook.md (QueuekitRedisRssNearContainerLimit)",
      },
      {
        at: want.limitBytes * REDIS_RSS_WARN,
        action: "redis-cli memory doctor; raise redis.memory if it keeps growing",
      },
    ),
  );

  const ratio = num("mem_fragmentation_ratio");
  const fragWant = `≤ ${FRAGMENTATION_WARN} (judged from ${mib(FRAGMENTATION_MIN_USED)} used)`;
  findings.push(
    used >= FRAGMENTATION_MIN_USED && ratio > FRAGMENTATION_WARN
      ? off(
          "warning",
          "mem_fragmentation_ratio",
          String(ratio),
          fragWant,
          "redis-cli memory doctor; keep redis.activeDefrag on with a bundled jemalloc",
        )
      : ok(
          "mem_fragmentation_ratio",
          used < FRAGMENTATION_MIN_USED ? `${ratio} (not judged yet)` : String(ratio),
          fragWant,
        ),
  );

  const evicted = num("evicted_keys");
  findings.push(
    evicted > 0
      ? off(
          "warning",
          "evicted_keys",
          count(evicted),
          "0",
          "results expire before they are read: raise redis.memory or lower result_expires; see docs/runbook.md (QueuekitRedisEvicting)",
        )
      : ok("evicted_keys", "0", "0"),
  );
  const oom = errorCount(info, "OOM");
  findings.push(
    oom > 0
      ? off(
          "warning",
          "rejected writes (errorstat_OOM)",
          `${count(oom)} since start`,
          "0",
          "writes were refused at maxmemory: drain or grow Redis; see docs/runbook.md (QueuekitRedisRefusingWrites)",
        )
      : ok("rejected writes (errorstat_OOM)", "0", "0"),
  );
  const refusedClients = num("rejected_connections");
  if (refusedClients > 0)
    findings.push(
      off(
        "warning",
        "rejected_connections",
        count(refusedClients),
        "0",
        "clients hit maxclients: look for a client leak (redis-cli client list)",
      ),
    );
  if (info.loading === "1")
    findings.push(
      off("warning", "loading", "loading its data", "0", "wait: Redis is reading its AOF/RDB after a start"),
    );
  findings.push(...persistenceDrafts(expect, info, now));
  return findings.map(subject);
}

function persistenceDrafts(expect: Expectations, info: Readonly<Record<string, string>>, now: number): Draft[] {
  const { persistence } = expect.redis;
  const lastSave = Number(info.rdb_last_save_time ?? NaN);
  const age = Number.isFinite(lastSave) ? now - lastSave : NaN;
  const ageText = Number.isFinite(age) ? `${Math.max(0, Math.round(age))} s ago` : "unknown";
  const drafts: Draft[] = [];
  const aofOn = info.aof_enabled === "1";
  if (persistence === "aof") {
    drafts.push(
      aofOn
        ? ok("aof_enabled", "1", "1")
        : off(
            "failure",
            "aof_enabled",
            info.aof_enabled ?? "?",
            "1 (redis.persistence aof)",
            `a restart loses the queue: QUEUEKIT_STACK=${expect.stack} npm run up`,
          ),
    );
    for (const key of ["aof_last_write_status", "aof_last_bgrewrite_status"]) {
      const got = info[key] ?? "?";
      drafts.push(
        got === "ok"
          ? ok(key, got, "ok")
          : off(
              "failure",
              key,
              got,
              "ok",
              `the AOF is not being written (disk full?): docker logs ${expect.redis.container}; df on the host`,
            ),
      );
    }
  } else if (persistence === "rdb") {
    const got = info.rdb_last_bgsave_status ?? "?";
    drafts.push(
      got === "ok"
        ? ok("rdb_last_bgsave_status", got, "ok")
        : off(
            "failure",
            "rdb_last_bgsave_status",
            got,
            "ok",
            `background saves fail (disk full? a refused fork?): docker logs ${expect.redis.container}`,
          ),
    );
    const pending = Number(info.rdb_changes_since_last_save ?? 0);
    drafts.push(
      pending > 0 && age > RDB_STALE_SECONDS
        ? off(
            "warning",
            "last save",
            `${ageText}, ${count(pending)} changes since`,
            `within ${RDB_STALE_SECONDS} s`,
            "saves are not happening: docker logs the Redis container",
          )
        : ok("last save", ageText, `within ${RDB_STALE_SECONDS} s of a change`),
    );
  } else {
    drafts.push(ok("persistence", aofOn ? "aof on" : "none", "none (redis.persistence): a restart empties the queues"));
  }
  if (persistence !== "rdb") drafts.push(ok("last save", ageText, "—"));
  return drafts;
}

export function containerFindings(want: ExpectedContainer, got: ContainerFacts | undefined, stack: string): Finding[] {
  const subject = about("container", want.name);
  if (!got || !got.exists)
    return [
      subject(
        off(
          "failure",
          "exists",
          "missing",
          "created by the stack",
          `QUEUEKIT_STACK=${stack} npm run up creates it again`,
        ),
      ),
    ];
  const drafts: Draft[] = [];
  drafts.push(
    got.status === "running"
      ? ok("state", "running", "running")
      : off(
          "failure",
          "state",
          got.status ?? "?",
          "running",
          `docker logs --tail 50 ${want.name}; docker start ${want.name} (or npm run up)`,
        ),
  );
  if (got.status === "running" && got.health !== undefined) {
    if (got.health === "unhealthy")
      drafts.push(
        off("failure", "health", "unhealthy", "healthy", `docker inspect -f '{{json .State.Health.Log}}' ${want.name}`),
      );
    else if (got.health === "starting")
      drafts.push(off("warning", "health", "starting", "healthy", "wait a minute and run the doctor again"));
    else drafts.push(ok("health", got.health, "healthy"));
  }
  if (got.limitBytes !== undefined) {
    const same = got.limitBytes === want.limitBytes && got.memorySwapBytes === want.memorySwapBytes;
    const text = (limit: number, swap: number | undefined) =>
      swap === undefined || swap === limit ? mib(limit) : `${mib(limit)} (+ swap to ${mib(swap)})`;
    drafts.push(
      same
        ? ok("memory limit", text(got.limitBytes, got.memorySwapBytes), text(want.limitBytes, want.memorySwapBytes))
        : off(
            "failure",
            "memory limit",
            got.limitBytes ? text(got.limitBytes, got.memorySwapBytes) : "none",
            `${text(want.limitBytes, want.memorySwapBytes)} (planned)`,
            `changed by hand: QUEUEKIT_STACK=${stack} npm run refresh shows the drift, npm run up puts the plan back`,
          ),
    );
  }
  if (got.usageBytes !== undefined && got.status === "running") {
    const share = got.usageBytes / want.limitBytes;
    const text = `${mib(got.usageBytes)} (${pct(share)})`;
    const wanted = `below ${pct(USAGE_WARN)} of ${mib(want.limitBytes)}`;
    const action =
      want.role === "redis"
        ? "see the Redis rows above"
        : want.role === "worker"
          ? "a task grows past its budget: npm run calibrate, then npm run plan"
          : "raise its memory key";
    drafts.push(
      graded(
        "memory use",
        share,
        text,
        wanted,
        { at: USAGE_FAIL, action: `an OOM kill is near: ${action}` },
        { at: USAGE_WARN, action },
      ),
    );
  }
  if (got.oomKilled)
    drafts.push(
      off(
        "failure",
        "OOMKilled",
        "true (its last exit)",
        "false",
        "killed at its limit: see docs/runbook.md (A worker was OOM-killed / QueuekitRedisDown)",
      ),
    );
  if (got.oomKills !== undefined)
    drafts.push(
      got.oomKills > 0
        ? off(
            "warning",
            "OOM kills",
            `${count(got.oomKills)} since it started`,
            "0",
            want.role === "worker"
              ? "a child was killed at the container's limit: raise workers[].perChildMemory or lower concurrency (docs/runbook.md)"
              : "see docs/runbook.md",
          )
        : ok("OOM kills", "0", "0"),
    );
  if (got.restartCount !== undefined)
    drafts.push(
      got.restartCount > 0
        ? off(
            "warning",
            "restarts",
            count(got.restartCount),
            "0",
            `docker logs ${want.name}: why did it exit? (OOM, a refused write at start)`,
          )
        : ok("restarts", "0", "0"),
    );
  if (want.role === "worker" && got.recycles !== undefined) {
    const limit = want.maxMemoryPerChildKiB ? `at ${want.maxMemoryPerChildKiB} KiB` : "";
    drafts.push(
      ok(
        "recycles (logs)",
        `${count(got.recycles)} children recycled ${limit}`.trim(),
        "any: a recycle is the plan working",
      ),
    );
  }
  if (want.role === "worker" && got.childDeaths !== undefined)
    drafts.push(
      got.childDeaths > 0
        ? off(
            "warning",
            "children killed (logs)",
            count(got.childDeaths),
            "0",
            "a child died of a signal (OOM kill?): docker logs the worker; its task is redelivered",
          )
        : ok("children killed (logs)", "0", "0"),
    );
  return drafts.map(subject);
}

export function queueFindings(expect: Expectations, redis: RedisFacts): Finding[] {
  const limit = expect.queueLimit;
  const wanted = `≤ ${count(limit.warnAt)} (${limit.basis})`;
  return expect.queues.map((queue) => {
    const subject = about("queue", queue);
    const depth = redis.queueLengths[queue];
    if (depth === undefined)
      return subject(off("warning", "depth", "unreadable", wanted, "Redis did not answer LLEN: see the Redis rows"));
    if (limit.failAt !== undefined && depth >= limit.failAt)
      return subject(
        off(
          "failure",
          "depth",
          count(depth),
          wanted,
          "the backlog nears what Redis holds: add consumers now; see docs/runbook.md (QueuekitQueueBacklog)",
        ),
      );
    if (depth > limit.warnAt)
      return subject(
        off(
          "warning",
          "depth",
          count(depth),
          wanted,
          "workers are not keeping up: add consumers (workers[].replicas) or find the slow task",
        ),
      );
    return subject(ok("depth", count(depth), wanted));
  });
}
