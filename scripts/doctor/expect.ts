// What a deployed stack should look like: from its config and plan (as `npm run plan` computes them) and its outputs.
import { REDIS_ALIAS } from "../../infra/components/redisBroker";
import type { QueuekitConfig } from "../../infra/config/types";
import { containersOf } from "../../infra/plan/containers";
import type { MemoryPlan } from "../../infra/plan/types";
import { hostPaths, targetLabel } from "../../infra/render/host/paths";
import type { ExpectedContainer, Expectations, QueueLimit } from "./types";

/** What `pulumi stack output --json --show-secrets` gives for a queuekit stack (infra/index.ts); the doctor reads these. */
export interface StackOutputs {
  readonly memoryPlan?: unknown;
  readonly redisContainer?: string;
  readonly workerContainers?: readonly string[];
}

/** Without a measured profile or monitoring: the exporter's default backlog alert. */
export const DEFAULT_QUEUE_WARN = 10_000;
/** With a measured backlog capacity: a warning from half of it, a failure from this share. */
export const BACKLOG_FAIL_SHARE = 0.9;

export interface ExpectOptions {
  /** --queue-warn: a warning above this many messages in one queue. */
  readonly queueWarn?: number;
}

export function expectationsOf(
  stack: string,
  config: QueuekitConfig,
  plan: MemoryPlan,
  outputs: StackOutputs,
  options: ExpectOptions = {},
): Expectations {
  const redisContainer = outputs.redisContainer ?? `qk-${stack}-redis`;
  const workers =
    outputs.workerContainers ??
    plan.workers.flatMap((w) => Array.from({ length: w.replicas }, (_, i) => `qk-${stack}-worker-${w.name}-${i}`));
  const containers: ExpectedContainer[] = [
    {
      name: redisContainer,
      role: "redis",
      limitBytes: plan.redis.limit.bytes,
      memorySwapBytes: plan.redis.memorySwap.bytes,
    },
    ...workers.map((name) => workerOf(stack, name, plan)),
    // Each side component (the exporter, …) is named qk-<stack>-<its plan name>, as the components name them.
    ...containersOf(plan)
      .filter((c) => c.kind !== "redis" && c.kind !== "worker")
      .map(
        (c): ExpectedContainer => ({
          name: `qk-${stack}-${c.name}`,
          role: "side",
          limitBytes: c.memory.limit.bytes,
          memorySwapBytes: c.memory.memorySwap.bytes,
        }),
      ),
  ];
  const paths = hostPaths(stack);
  return {
    stack,
    target: targetLabel(config.host.connection),
    host: {
      overcommitMemory: config.host.sysctl.overcommitMemory,
      swappiness: config.host.sysctl.swappiness,
      somaxconn: config.host.sysctl.somaxconn,
      transparentHugePages: config.host.transparentHugePages,
      memoryBytes: plan.host.memory.bytes,
      swapFileBytes: plan.host.swapFile.bytes,
      swapFilePath: paths.swapFile,
      liveRestore: config.host.manageDaemonJson,
      ...(config.host.emulate && { emulatedCgroup: paths.cgroup }),
    },
    redis: {
      container: redisContainer,
      alias: REDIS_ALIAS,
      port: config.redis.port,
      tls: config.redis.tls,
      limitBytes: plan.redis.limit.bytes,
      maxmemoryBytes: plan.redis.maxmemory.bytes,
      publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
      policy: plan.redis.policy,
      persistence: plan.redis.persistence,
    },
    containers,
    queues: [...new Set(plan.workers.flatMap((w) => w.queues))],
    queueLimit: queueLimitOf(config, plan, options),
    deployedPlanMatches: outputs.memoryPlan === undefined || canonical(outputs.memoryPlan) === canonical(plan),
  };
}

// A worker container is named qk-<stack>-worker-<pool>-<n> (components/workerPool.ts).
function workerOf(stack: string, name: string, plan: MemoryPlan): ExpectedContainer {
  const pool = plan.workers.find((w) => {
    const prefix = `qk-${stack}-worker-${w.name}-`;
    return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
  });
  // A container the plan no longer has: its limit cannot match anything; the stack row says to redeploy.
  if (!pool) return { name, role: "worker", limitBytes: 0, memorySwapBytes: 0 };
  return {
    name,
    role: "worker",
    pool: pool.name,
    limitBytes: pool.limit.bytes,
    memorySwapBytes: pool.memorySwap.bytes,
    ...(pool.pool === "prefork" && { maxMemoryPerChildKiB: pool.maxMemoryPerChildKiB }),
  };
}

export function queueLimitOf(config: QueuekitConfig, plan: MemoryPlan, options: ExpectOptions): QueueLimit {
  const capacity = plan.redis.backlog?.messages;
  const failAt = capacity === undefined ? undefined : Math.floor(capacity * BACKLOG_FAIL_SHARE);
  const withFail = failAt === undefined ? {} : { failAt };
  if (options.queueWarn !== undefined) return { warnAt: options.queueWarn, ...withFail, basis: "--queue-warn" };
  if (capacity !== undefined)
    return {
      warnAt: Math.floor(capacity / 2),
      ...withFail,
      basis: `half of plan.redis.backlog ${capacity.toLocaleString("en-US")}`,
    };
  if (config.monitoring.enabled)
    return { warnAt: config.monitoring.queueBacklogAlert, basis: "monitoring.queueBacklogAlert" };
  return { warnAt: DEFAULT_QUEUE_WARN, basis: "no measured profile: the default backlog alert" };
}

/** JSON with sorted keys and undefined left out: Pulumi's outputs sort keys, the planner's objects do not. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
