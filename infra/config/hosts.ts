// Several hosts in one stack: `hosts` (each a `host` with a name and a private address) and `placement` (where
// Redis, beat and each pool run). One `host` is the special case of one host running everything: layoutOf gives
// both the same shape, so the planner and the components have one path.
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { isLoopback, isPrivateAddress, PRIVATE_RANGES } from "../../policies/contract/addresses";
import type { RuleIssue } from "./rules";
import type { HostConfig, WorkerPoolConfig } from "./types";
import { strict, text } from "./zod";

const HOST_NAME = 'a DNS label: lowercase letters, digits and "-", e.g. "broker"';
const hostName = text(HOST_NAME, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

/** A password sent between hosts: long enough that guessing it over the private network is not a plan. */
export const CROSS_HOST_PASSWORD_MIN = 16;

export interface NamedHostConfig extends HostConfig {
  readonly name: string;
  /** Where the other hosts reach this one (Redis binds here when workers run elsewhere). */
  readonly privateAddress: string;
}

/** Where each part runs, by host name; pools under their name. Resolved: every key filled. */
export interface Placement {
  readonly redis: string;
  readonly beat: string;
  readonly workers: Readonly<Record<string, readonly string[]>>;
}

export interface HostsConfig {
  readonly list: readonly NamedHostConfig[];
  readonly placement: Placement;
}

const address = z
  .unknown()
  .transform((value, ctx) =>
    typeof value === "string" && (isIPv4(value) || isIPv6(value))
      ? value
      : (ctx.addIssue({ code: "custom", message: `expected an IP address in ${PRIVATE_RANGES}, e.g. "10.0.0.2"` }),
        z.NEVER),
  );

/** `hosts`: each entry the keys of `host` with a name and a private address. */
export const hostsSchema = <S extends z.core.$ZodLooseShape>(host: S) =>
  z
    .array(strict("an entry of hosts", { name: hostName, privateAddress: address, ...host }), {
      error: "expected a list of hosts: {name, privateAddress, memory, cpus, connection, …}",
    })
    .min(1, { error: "at least one host" });

/** `placement`: host names; absent keys: Redis on the first host, beat beside Redis, each pool on every host. */
export const placementSchema = strict("placement", {
  redis: hostName.optional(),
  beat: hostName.optional(),
  workers: z
    .record(z.string(), z.array(hostName, { error: 'expected a list of host names, e.g. ["broker", "worker-1"]' }))
    .optional(),
});

/** The placement with every key filled from the defaults above. */
export function resolvePlacement(
  hosts: readonly { readonly name: string }[],
  placement: z.output<typeof placementSchema> | undefined,
  pools: readonly { readonly name: string }[],
): Placement {
  const redis = placement?.redis ?? hosts[0]!.name;
  const everywhere = hosts.map((h) => h.name);
  return {
    redis,
    beat: placement?.beat ?? redis,
    workers: Object.fromEntries(pools.map((p) => [p.name, placement?.workers?.[p.name] ?? everywhere])),
  };
}

/** The placement's names against the hosts and pools, pool replicas against their hosts, Redis' address. */
export function hostsRuleIssues(
  hosts: readonly NamedHostConfig[],
  written: z.output<typeof placementSchema> | undefined,
  placement: Placement,
  workers: readonly Pick<WorkerPoolConfig, "name" | "replicas">[],
  redisBind: string,
): RuleIssue[] {
  const names = hosts.map((h) => h.name);
  const known = `one of ${names.map((n) => JSON.stringify(n)).join(", ")} (hosts[].name)`;
  const issues: RuleIssue[] = [];
  hosts.forEach((h, i) => {
    const first = names.indexOf(h.name);
    if (first !== i)
      issues.push({
        path: ["hosts", i, "name"],
        value: h.name,
        message: `already the name of hosts[${first}]; host names must be unique (placement refers to them)`,
      });
  });
  for (const key of ["redis", "beat"] as const) {
    const name = written?.[key];
    if (name !== undefined && !names.includes(name))
      issues.push({ path: ["placement", key], value: name, message: `no such host: use ${known}` });
  }
  for (const [pool, on] of Object.entries(written?.workers ?? {})) {
    if (!workers.some((w) => w.name === pool)) {
      issues.push({
        path: ["placement", "workers", pool],
        value: on,
        message: `no such pool: use one of ${workers.map((w) => JSON.stringify(w.name)).join(", ")} (workers[].name)`,
      });
      continue;
    }
    if (!on.length)
      issues.push({
        path: ["placement", "workers", pool],
        value: on,
        message: "no host: list at least one, or remove the key to run the pool on every host",
      });
    on.forEach((name, j) => {
      if (!names.includes(name))
        issues.push({ path: ["placement", "workers", pool, j], value: name, message: `no such host: use ${known}` });
      else if (on.indexOf(name) !== j)
        issues.push({
          path: ["placement", "workers", pool, j],
          value: name,
          message: "listed twice: a pool's replicas are spread over distinct hosts",
        });
    });
  }
  workers.forEach((w, i) => {
    const on = placement.workers[w.name] ?? [];
    if (on.length > w.replicas)
      issues.push({
        path: ["workers", i, "replicas"],
        value: w.replicas,
        message: `pool "${w.name}" is placed on ${on.length} hosts (${on.join(", ")}): at least ${on.length} replicas, one per host — raise replicas or place it on fewer hosts (placement.workers.${w.name})`,
      });
  });
  if (acrossHosts(placement)) issues.push(...redisAddressIssues(hosts, placement.redis, redisBind));
  return issues;
}

/** True when a pool or beat runs on a host other than Redis': Redis is then reached over the network. */
export const acrossHosts = (placement: Placement): boolean =>
  placement.beat !== placement.redis ||
  Object.values(placement.workers).some((on) => on.some((name) => name !== placement.redis));

// Workers on other hosts reach Redis at its host's private address: never a public or loopback one.
function redisAddressIssues(hosts: readonly NamedHostConfig[], redisHost: string, bind: string): RuleIssue[] {
  const i = hosts.findIndex((h) => h.name === redisHost);
  if (i < 0) return [];
  const { privateAddress } = hosts[i]!;
  const issues: RuleIssue[] = [];
  if (!isPrivateAddress(privateAddress) || isLoopback(privateAddress))
    issues.push({
      path: ["hosts", i, "privateAddress"],
      value: privateAddress,
      message: `${isLoopback(privateAddress) ? "a loopback" : "a public"} address: Redis (placement.redis) binds here and workers on other hosts connect to it — use the host's address on a private network (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)`,
    });
  if (bind !== "none" && bind !== privateAddress)
    issues.push({
      path: ["redis", "bind"],
      value: bind,
      message: `with workers on other hosts Redis binds to its host's privateAddress (${privateAddress}) only: remove redis.bind`,
    });
  return issues;
}

/** Across hosts the Redis password crosses a network: refuse a short one (the secret is checked, never shown). */
export function crossHostPasswordIssue(password: string, placement: Placement | undefined): RuleIssue | undefined {
  if (!placement || !acrossHosts(placement) || password.length >= CROSS_HOST_PASSWORD_MIN) return undefined;
  return {
    path: ["redisPassword"],
    value: `(${password.length} characters)`,
    message: `workers on other hosts than Redis send it over the network: at least ${CROSS_HOST_PASSWORD_MIN} characters, e.g. pulumi config set --secret queuekit:redisPassword "$(openssl rand -hex 24)"`,
  };
}

/** Across hosts Redis is published on its host's private address only (the rules refuse any other bind). */
export function redisBindOf(bind: string, hosts: HostsConfig): string {
  if (!acrossHosts(hosts.placement)) return bind;
  return hosts.list.find((h) => h.name === hosts.placement.redis)?.privateAddress ?? bind;
}

/** One host and what runs on it; a pool's replicas spread over its hosts. */
export interface PlacedHost {
  readonly name: string;
  /** Where its keys are: "host" or "hosts[1]". */
  readonly key: string;
  readonly config: HostConfig;
  /** Absent for the single `host` form (Redis is then reached on the Docker network). */
  readonly privateAddress?: string;
  readonly redis: boolean;
  readonly beat: boolean;
  /** Index in config.workers and the replicas that run here (at least one). */
  readonly pools: readonly { readonly source: number; readonly replicas: number }[];
}

/** Every host of the stack with what runs on it: the one `host` runs everything. */
export function layoutOf(config: {
  readonly host: HostConfig;
  readonly hosts?: HostsConfig;
  readonly workers: readonly Pick<WorkerPoolConfig, "name" | "replicas">[];
}): PlacedHost[] {
  if (!config.hosts) {
    const pools = config.workers.map((w, source) => ({ source, replicas: w.replicas }));
    return [{ name: "host", key: "host", config: config.host, redis: true, beat: true, pools }];
  }
  const { list, placement } = config.hosts;
  return list.map(({ name, privateAddress, ...host }, i) => ({
    name,
    key: `hosts[${i}]`,
    config: host,
    privateAddress,
    redis: placement.redis === name,
    beat: placement.beat === name,
    pools: config.workers.flatMap((w, source) => {
      const on = placement.workers[w.name] ?? [];
      const nth = on.indexOf(name);
      return nth < 0 ? [] : [{ source, replicas: spreadReplicas(w.replicas, on.length)[nth]! }];
    }),
  }));
}

/** The host Redis is placed on (the first when placement.redis names none: the rules report that). */
export function redisHostOf(hosts: HostsConfig): HostConfig {
  const placed = layoutOf({ host: hosts.list[0]!, hosts, workers: [] });
  return (placed.find((h) => h.redis) ?? placed[0]!).config;
}

/** `replicas` over `hosts` hosts as evenly as whole numbers allow, the first hosts taking the remainder. */
export const spreadReplicas = (replicas: number, hosts: number): number[] =>
  Array.from({ length: hosts }, (_, i) => Math.floor(replicas / hosts) + (i < replicas % hosts ? 1 : 0));
