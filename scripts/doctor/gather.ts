// The doctor's I/O: reads the host, the engine, Redis and the containers through a Runner, and returns plain facts.
import { shq } from "../../infra/render/shell";
import { REDIS_TLS_DIR } from "../../infra/render/redisConf";
import type { Runner } from "./host";
import { epochOf, gatherEngine } from "./engine";
import { gatherReach } from "./reach";
import { intOf, parseProbe, parseRedisInfo, parseSwaps, usageOf, workerLogEvents } from "./parse";
import type { ContainerFacts, Expectations, Facts, HostFacts, RedisFacts } from "./types";

/** No engine to ask: the doctor stops with this (exit 2). */
export class EngineError extends Error {}

const SWAPS_MARK = "--- /proc/swaps";

/** One round trip for every host value; a file that cannot be read gives an empty value. */
export function hostProbe(expect: Expectations): string {
  const read = (key: string, file: string) => `echo "${key}=$(head -n1 ${shq(file)} 2>/dev/null)"`;
  return [
    read("overcommit", "/proc/sys/vm/overcommit_memory"),
    read("swappiness", "/proc/sys/vm/swappiness"),
    read("somaxconn", "/proc/sys/net/core/somaxconn"),
    read("thp_enabled", "/sys/kernel/mm/transparent_hugepage/enabled"),
    read("thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag"),
    `echo "memtotal_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null)"`,
    ...(expect.host.emulatedCgroup
      ? [read("cgroup_limit", `${expect.host.emulatedCgroup}/memory.limit_in_bytes`)]
      : []),
    `echo ${shq(SWAPS_MARK)}`,
    "cat /proc/swaps",
  ].join("\n");
}

export function hostFactsOf(text: string): HostFacts {
  const [values, swaps] = text.split(`${SWAPS_MARK}\n`);
  const probe = parseProbe(values);
  const kib = intOf(probe.memtotal_kib);
  return {
    overcommitMemory: intOf(probe.overcommit),
    swappiness: intOf(probe.swappiness),
    somaxconn: intOf(probe.somaxconn),
    thpEnabled: probe.thp_enabled || undefined,
    thpDefrag: probe.thp_defrag || undefined,
    memTotalBytes: kib === undefined ? undefined : kib * 1024,
    cgroupLimitBytes: intOf(probe.cgroup_limit),
    swaps: swaps === undefined ? undefined : parseSwaps(swaps),
  };
}

function gatherHost(run: Runner, expect: Expectations): HostFacts {
  const r = run(hostProbe(expect));
  if (r.code !== 0 && !r.stdout.includes(SWAPS_MARK)) return { error: firstLine(r.stderr) || `exit ${r.code}` };
  return hostFactsOf(r.stdout);
}

const firstLine = (text: string): string => text.trim().split("\n")[0] ?? "";

/** Fails with EngineError when the Docker engine does not answer. */
export function checkEngine(run: Runner, target: string): void {
  const r = run("docker version --format '{{.Server.Version}}'");
  if (r.code !== 0 || !r.stdout.trim())
    throw new EngineError(
      `no Docker engine answers on ${target}: ${firstLine(r.stderr) || "docker version failed"} — start it (npm run engine on this machine, systemctl start docker on a VPS) and run the doctor again`,
    );
}

interface Inspected {
  Id: string;
  Name: string;
  Created?: string;
  State: { Status: string; OOMKilled: boolean; StartedAt?: string; Health?: { Status: string } };
  RestartCount: number;
  HostConfig: { Memory: number; MemorySwap: number };
}

function gatherContainers(run: Runner, expect: Expectations): ContainerFacts[] {
  const names = expect.containers.map((c) => c.name);
  // Exits 1 when one is missing, and still prints the others.
  const inspected = parseJsonArray<Inspected>(run(`docker inspect ${names.map(shq).join(" ")}`).stdout);
  const byName = new Map(inspected.map((c) => [c.Name.replace(/^\//, ""), c]));
  const running = names.filter((n) => byName.get(n)?.State.Status === "running");
  const usage = running.length ? statsOf(run, running) : new Map<string, number>();
  const workers = running.filter((n) => expect.containers.some((c) => c.name === n && c.role === "worker"));
  const reach = gatherReach(run, workers, expect.redis.alias, expect.redis.port);
  const oomKills = oomKillsOf(
    run,
    [...byName.values()].map((c) => c.Id),
  );
  return expect.containers.map((want): ContainerFacts => {
    const c = byName.get(want.name);
    if (!c) return { name: want.name, exists: false };
    const logs = want.role === "worker" ? workerLogEvents(workerLogs(run, want.name)) : {};
    return {
      name: want.name,
      exists: true,
      status: c.State.Status,
      health: c.State.Health?.Status,
      oomKilled: c.State.OOMKilled,
      restartCount: c.RestartCount,
      createdAt: epochOf(c.Created),
      startedAt: epochOf(c.State.StartedAt),
      limitBytes: c.HostConfig.Memory,
      memorySwapBytes: c.HostConfig.MemorySwap,
      usageBytes: usage.get(want.name),
      oomKills: oomKills.get(c.Id),
      broker: reach.get(want.name),
      ...logs,
    };
  });
}

function parseJsonArray<T>(text: string): T[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}

function statsOf(run: Runner, names: readonly string[]): Map<string, number> {
  const r = run(`docker stats --no-stream --format '{{.Name}}\t{{.MemUsage}}' ${names.map(shq).join(" ")}`);
  const usage = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    const [name, mem] = line.split("\t");
    const bytes = mem === undefined ? undefined : usageOf(mem);
    if (name && bytes !== undefined) usage.set(name, bytes);
  }
  return usage;
}

/**
 * The oom_kill counter of each container's memory cgroup (cgroup v1 memory.oom_control, v2 memory.events), under
 * any parent (docker/, an emulated host's queuekit-<stack>/, systemd's system.slice).
 */
function oomKillsOf(run: Runner, ids: readonly string[]): Map<string, number> {
  if (!ids.length) return new Map();
  const script = [
    `for id in ${ids.map(shq).join(" ")}; do`,
    '  for f in /sys/fs/cgroup/memory/*/"$id"/memory.oom_control /sys/fs/cgroup/*/"$id"/memory.events /sys/fs/cgroup/system.slice/docker-"$id".scope/memory.events; do',
    '    if [ -r "$f" ]; then echo "$id $(awk \'$1 == "oom_kill" { print $2 }\' "$f")"; break; fi',
    "  done",
    "done",
  ].join("\n");
  const kills = new Map<string, number>();
  for (const line of run(script).stdout.split("\n")) {
    const [id, n] = line.trim().split(" ");
    const value = intOf(n);
    if (id && value !== undefined) kills.set(id, value);
  }
  return kills;
}

/** Only the lines the doctor counts: the retained logs (bounded by the kit's log rotation), never all of them. */
function workerLogs(run: Runner, name: string): string {
  return run(`docker logs ${shq(name)} 2>&1 | grep -E 'exceeding memory limit|exited with .signal' || true`).stdout;
}

/**
 * `redis-cli` inside the Redis container, the password read there from its redis.conf into REDISCLI_AUTH: it never
 * appears in the argv of a process, on the host or in the container. Commands go in on stdin, one a line.
 */
export function redisCliScript(container: string, port: number, tls = false): string {
  // With redis.tls the port speaks TLS only: redis-cli verifies Redis against the stack's CA, in Redis' own container.
  const tlsArgs = tls ? ` --tls --cacert ${REDIS_TLS_DIR}/ca.crt` : "";
  const inner = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf)" exec redis-cli -p ${port}${tlsArgs}`;
  return `docker exec -i ${shq(container)} sh -c ${shq(inner)}`;
}

/** A redis-cli stdin line: each argument double-quoted (queue names may hold anything). */
export const redisLine = (...args: readonly string[]): string =>
  args.map((a) => `"${a.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(" ");

function gatherRedis(run: Runner, expect: Expectations): RedisFacts {
  const cli = redisCliScript(expect.redis.container, expect.redis.port, expect.redis.tls);
  const none = Object.fromEntries(expect.queues.map((q) => [q, undefined]));
  const info = run(cli, `${redisLine("INFO", "all")}\n`);
  if (info.code !== 0 || !info.stdout.includes("redis_version:"))
    return { error: firstLine(info.stderr) || firstLine(info.stdout) || `exit ${info.code}`, queueLengths: none };
  const llen = run(cli, expect.queues.map((q) => `${redisLine("LLEN", q)}\n`).join(""));
  const lengths = llen.stdout.trim().split("\n");
  return {
    info: parseRedisInfo(info.stdout),
    queueLengths: Object.fromEntries(expect.queues.map((q, i) => [q, intOf(lengths[i])])),
  };
}

export function gatherFacts(run: Runner, expect: Expectations): Facts {
  const host = gatherHost(run, expect);
  checkEngine(run, expect.target);
  return {
    host,
    engine: gatherEngine(run),
    redis: gatherRedis(run, expect),
    containers: gatherContainers(run, expect),
    now: Math.floor(Date.now() / 1000),
  };
}
