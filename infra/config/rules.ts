// Rules across keys, each written once: the schema reports them as config issues, and VpsHost checks a host
// config built by hand (without parseConfig) against the host rules before it renders a step.
import { ConfigError, keyPath } from "./errors";
import type { AppProfile } from "./profile";
import type { Autoscale, Connection, PoolKind, ShareOrBytes } from "./types";
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

/** What the pool rules read: one worker pool's keys as written (sizes in bytes, nothing resolved yet). */
export interface PoolRuleInput {
  readonly image: string;
  readonly app: string;
  readonly pool: PoolKind;
  readonly concurrency?: number | "auto";
  readonly autoscale?: Autoscale;
  readonly perChildMemory?: number;
  readonly perTaskMemory?: number;
  readonly maxTasksPerChild?: number;
  readonly softTimeLimit?: number;
  readonly timeLimit?: number;
  readonly allowSwap: boolean;
  readonly swap?: number;
  readonly profile?: AppProfile;
}

/** The rules within one pool: keys its pool kind cannot use, limits that contradict, a profile of another app. */
export function poolRuleIssues(p: PoolRuleInput): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const at = (path: readonly PropertyKey[], value: unknown, message: string) => issues.push({ path, value, message });
  if (p.pool === "prefork" && p.perTaskMemory !== undefined) {
    at(
      ["perTaskMemory"],
      p.perTaskMemory,
      "sizes gevent/threads/solo pools; a prefork pool is sized by perChildMemory — remove it",
    );
  }
  if (p.pool !== "prefork") {
    for (const key of ["perChildMemory", "maxTasksPerChild", "autoscale"] as const) {
      if (p[key] !== undefined) {
        at(
          [key],
          p[key],
          `only the prefork pool has child processes to limit, recycle or scale; pool "${p.pool}" cannot use it — remove ${key} (size the pool with perTaskMemory) or set pool: "prefork"`,
        );
      }
    }
  }
  if (p.autoscale && p.concurrency !== undefined) {
    at(
      ["concurrency"],
      p.concurrency,
      "set either concurrency or autoscale: autoscale.max is the concurrency the memory is sized for",
    );
  }
  if (p.autoscale && p.autoscale.min > p.autoscale.max) {
    at(["autoscale", "min"], p.autoscale.min, `must not exceed autoscale.max (${p.autoscale.max})`);
  }
  if (p.pool === "solo" && p.concurrency !== undefined && p.concurrency !== 1 && p.concurrency !== "auto") {
    at(["concurrency"], p.concurrency, 'the solo pool runs one task at a time: set 1 or "auto", or leave it out');
  }
  if (p.softTimeLimit !== undefined && p.timeLimit !== undefined && p.softTimeLimit >= p.timeLimit) {
    at(
      ["softTimeLimit"],
      p.softTimeLimit,
      `must be below timeLimit (${p.timeLimit} s) so a task can clean up before the hard kill`,
    );
  }
  if (p.allowSwap !== (p.swap !== undefined)) {
    at(
      ["swap"],
      p.swap,
      p.allowSwap
        ? 'allowSwap: true needs a bounded swap size, e.g. "256MiB"'
        : "swap is used only with allowSwap: true — set it, or remove swap",
    );
  }
  if (p.profile && (p.profile.image !== p.image || p.profile.app !== p.app)) {
    at(
      ["profile"],
      p.profile,
      `measures app "${p.profile.app}" in image "${p.profile.image}", but this pool runs app "${p.app}" in image "${p.image}": run npm run calibrate for this image`,
    );
  }
  if (p.profile && (p.perChildMemory !== undefined || p.perTaskMemory !== undefined)) {
    const key = p.perChildMemory !== undefined ? "perChildMemory" : "perTaskMemory";
    at(
      [key],
      p[key],
      "the profile measures what each task needs: remove this key, or remove profile to size the pool by hand",
    );
  }
  return issues;
}

/** The rules across pools and the host: unique pool names (they name containers), swap only with a swap file. */
export function workersRuleIssues(
  workers: readonly { readonly name: string; readonly swap: number }[],
  hostSwapFile: number,
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  workers.forEach((w, i) => {
    const first = workers.findIndex((other) => other.name === w.name);
    if (first !== i) {
      issues.push({
        path: ["workers", i, "name"],
        value: w.name,
        message: `already the name of workers[${first}]; pool names must be unique (they name containers)`,
      });
    }
    if (w.swap > 0 && hostSwapFile === 0) {
      issues.push({
        path: ["workers", i, "swap"],
        value: w.swap,
        message: 'host.swapFile is "none": there is no swap to allow — set host.swapFile, or remove allowSwap and swap',
      });
    }
  });
  return issues;
}

/** Throws the issues as one ConfigError (for checks outside parseConfig, e.g. a component's input). */
export function throwIssues(issues: readonly RuleIssue[]): void {
  if (issues.length)
    throw new ConfigError(issues.map(({ path, value, message }) => ({ path: keyPath(path), value, message })));
}
