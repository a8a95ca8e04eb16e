// `queuekit:orchestrator: swarm`: the worker pools as Docker Swarm services on the engine's swarm, each placed by
// its own `workers[].swarm.constraints`. Redis and the side containers stay containers; the tasks reach Redis on
// the nodes' host network where redis.bind publishes it.
import { z } from "zod";
import { list, oneOf, strict, text } from "./zod";

export type Orchestrator = "containers" | "swarm";

/** A pool's Swarm placement: node constraints as `docker service create --constraint` takes them. */
export interface PoolSwarmConfig {
  readonly constraints: readonly string[];
}

export const orchestratorSchema = oneOf(["containers", "swarm"] as const).default("containers");

// node.labels.x==y, node.role!=manager, engine.labels.z==w: a name, == or !=, a value (Swarm's own grammar).
const CONSTRAINT = /^(node|engine)\.[A-Za-z0-9_.-]+\s*(==|!=)\s*\S+$/;

export const poolSwarmSchema = strict("workers[].swarm", {
  constraints: list(text('a placement constraint, e.g. "node.labels.queuekit==workers"', CONSTRAINT), "constraint"),
});

/** What the Swarm rules read of the config. */
interface SwarmRuleInput {
  readonly orchestrator: Orchestrator;
  readonly hosts?: unknown;
  readonly redis: { readonly bind: string };
  readonly workers: readonly {
    readonly swarm?: PoolSwarmConfig;
    readonly swap: number;
    readonly secrets?: readonly { readonly as: "file" | "env" }[];
  }[];
}

/** Keys Swarm cannot honour, and swarm keys without the swarm orchestrator: each at its key, with the fix. */
export function swarmRuleIssues(c: SwarmRuleInput): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  if (c.orchestrator !== "swarm") {
    c.workers.forEach((w, i) => {
      if (w.swarm)
        issues.push({
          path: ["workers", i, "swarm"],
          message:
            "places a Swarm service: set orchestrator: swarm, or remove workers[].swarm (containers run where the stack's engine is)",
        });
    });
    return issues;
  }
  if (c.hosts !== undefined)
    issues.push({
      path: ["orchestrator"],
      message:
        "swarm places the pools on the swarm's nodes itself: use host (the swarm manager's engine) with workers[].swarm.constraints instead of hosts",
    });
  if (c.redis.bind === "none")
    issues.push({
      path: ["redis", "bind"],
      message:
        "the swarm's tasks reach Redis where it is published: set redis.bind to an address every node reaches (127.0.0.1 on a single-node swarm, else the manager's private address)",
    });
  c.workers.forEach((w, i) => {
    if (w.swap > 0)
      issues.push({
        path: ["workers", i, "allowSwap"],
        message:
          "a Swarm service cannot limit swap (no --memory-swap): remove allowSwap and swap, or use orchestrator: containers",
      });
    // A secret in the task's env would make the whole taskSpec a secret: hidden from previews and the policy pack.
    if (w.secrets?.some((secret) => secret.as === "env"))
      issues.push({
        path: ["workers", i, "secretsAsEnv"],
        message:
          "Swarm delivers secrets as files (/run/secrets/<name>, as the file secrets of container pools): remove secretsAsEnv and read the file, or use orchestrator: containers",
      });
  });
  return issues;
}

export type ParsedOrchestrator = z.output<typeof orchestratorSchema>;
