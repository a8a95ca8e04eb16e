import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes } from "../lib/parse/sizes";
import { CONTAINER_TYPES, extractionOf, where } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const containerSwapBounded = resourceRule<{ maxSwapRatio: number; swarmNodesWithoutSwap: boolean }>(
  {
    name: "container-swap-bounded",
    description:
      "Every container's swap is bounded: memory-swap equals the memory limit, or exceeds it by at most the allowed share.",
    config: {
      maxSwapRatio: {
        type: "number",
        minimum: 0,
        default: 0,
        description:
          "Swap allowed as a share of the memory limit: memorySwap ≤ memory × (1 + maxSwapRatio). 0 = no swap.",
      },
      swarmNodesWithoutSwap: {
        type: "boolean",
        default: false,
        description: "Swarm services cannot set swap; accept them when the nodes run with swap off.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "high",
    remediation:
      "Set memory-swap equal to the memory limit: docker.Container `memorySwap: memory` (MiB), `docker run -m 512m --memory-swap 512m`, compose `memswap_limit` equal to `mem_limit`. Never -1. Left unset, Docker allows as much swap again as the limit, and a container swapping on a small VPS stalls the whole host long before any OOM kill.",
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const { maxSwapRatio, swarmNodesWithoutSwap } = ctx.config;
    const ex = await extractionOf(r);
    for (const c of ex.containers) {
      const at = where(c);
      if (!c.swapSettable) {
        if (!swarmNodesWithoutSwap)
          ctx.violation(
            `${at}: Swarm services cannot limit swap, so each task may swap as much again as its memory limit. Run the nodes with swap off and set swarmNodesWithoutSwap, or use containers.`,
          );
        continue;
      }
      if (reportedUnknown(ctx, c.memorySwap, `${at}: memory-swap`)) continue;
      if (c.memorySwap === -1) {
        ctx.violation(`${at}: memory-swap is -1 (unlimited swap).`);
        continue;
      }
      if (reportedUnknown(ctx, c.memory, `${at}: the memory limit (to bound swap)`)) continue;
      if (c.memory === undefined) {
        if (c.memorySwap !== undefined)
          ctx.violation(`${at}: memory-swap is set without a memory limit (Docker refuses it).`);
        continue; // no limit at all: container-memory-limit reports it
      }
      if (c.memorySwap === undefined) {
        ctx.violation(
          `${at}: memory-swap is not set, so Docker allows ${formatBytes(c.memory)} of swap on top of the ${formatBytes(c.memory)} limit. Set it equal to the limit.`,
        );
      } else if (c.memorySwap < c.memory) {
        ctx.violation(
          `${at}: memory-swap ${formatBytes(c.memorySwap)} is below the memory limit ${formatBytes(c.memory)} (Docker refuses it).`,
        );
      } else if (c.memorySwap - c.memory > maxSwapRatio * c.memory) {
        ctx.violation(
          `${at}: ${formatBytes(c.memorySwap - c.memory)} of swap on a ${formatBytes(c.memory)} limit; at most ${formatBytes(Math.floor(maxSwapRatio * c.memory))} allowed (maxSwapRatio ${maxSwapRatio}).`,
        );
      }
    }
    for (const u of ex.updates) {
      if (reportedUnknown(ctx, u.memorySwap, `${u.origin}: memory-swap`)) continue;
      if (u.memorySwap === -1) ctx.violation(`${u.origin}: docker update --memory-swap -1 (unlimited swap).`);
      else if (isKnown(u.memorySwap) && isKnown(u.memory) && u.memorySwap - u.memory > maxSwapRatio * u.memory)
        ctx.violation(
          `${u.origin}: ${formatBytes(u.memorySwap - u.memory)} of swap on a ${formatBytes(u.memory)} limit (maxSwapRatio ${maxSwapRatio}).`,
        );
    }
  },
);
