// Rules across keys, each written once: the schema reports them as config issues, and VpsHost checks a host
// config built by hand (without parseConfig) against the host rules before it renders a step.
import { ConfigError, keyPath } from "./errors";
import type { Connection, ShareOrBytes } from "./types";
import { bytesOf, formatSize, MiB } from "./units";

/** A broken rule: the key it is reported at, the value found there, and what to do. */
export interface RuleIssue {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

// Redis needs room for its own structures plus a queue worth having.
export const REDIS_MIN = 64 * MiB;

/** What the host rules read; the parsed HostConfig has it all. */
export interface HostRuleInput {
  readonly memory: number;
  readonly connection: Connection;
  readonly sysctl: { readonly somaxconn: number };
  readonly emulate: boolean;
  readonly manageDaemonJson: boolean;
}

/** The host rules: somaxconn not below Redis' backlog, emulation and daemon.json management on their target only. */
export function hostRuleIssues(host: HostRuleInput, redisTcpBacklog: number): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const { somaxconn } = host.sysctl;
  if (somaxconn < redisTcpBacklog) {
    issues.push({
      path: ["host", "sysctl", "somaxconn"],
      value: somaxconn,
      message: `somaxconn (${somaxconn}) is below redis.tcpBacklog (${redisTcpBacklog}): set at least redis.tcpBacklog (${redisTcpBacklog}), the kernel silently caps Redis' listen backlog at somaxconn`,
    });
  }
  if (host.emulate && host.connection.kind !== "local") {
    issues.push({
      path: ["host", "emulate"],
      value: host.emulate,
      message: "host.emulate applies to the local target only: a real VPS already has its own memory size",
    });
  }
  if (host.manageDaemonJson && host.connection.kind !== "ssh") {
    issues.push({
      path: ["host", "manageDaemonJson"],
      value: host.manageDaemonJson,
      message:
        "the local target shares this machine's Docker engine and leaves its daemon.json alone; remove the key, or use an ssh connection",
    });
  }
  return issues;
}

/** Redis' limit must leave it REDIS_MIN: checked here on a share, on a size by the schema's minimum. */
export function redisMemoryIssues(hostMemory: number, memory: ShareOrBytes): RuleIssue[] {
  if (!("share" in memory)) return [];
  const resolved = bytesOf(memory, hostMemory);
  if (resolved >= REDIS_MIN) return [];
  return [
    {
      path: ["redis", "memory"],
      value: `${memory.share * 100}%`,
      message: `resolves to ${formatSize(resolved)} of host.memory; Redis needs at least ${formatSize(REDIS_MIN)} — raise the share or write a size`,
    },
  ];
}

/** Throws the issues as one ConfigError (for checks outside parseConfig, e.g. a component's input). */
export function throwIssues(issues: readonly RuleIssue[]): void {
  if (issues.length)
    throw new ConfigError(issues.map(({ path, value, message }) => ({ path: keyPath(path), value, message })));
}
