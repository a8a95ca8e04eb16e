import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes, MiB } from "../lib/parse/sizes";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const containerMemoryLimit = resourceRule<{ minMiB: number; maxMiB: number }>(
  {
    name: "container-memory-limit",
    description: "Every container has a hard memory limit, neither below Docker's minimum nor implausibly large.",
    config: {
      minMiB: { type: "number", default: 6, description: "Smallest limit accepted (Docker refuses less than 6 MiB)." },
      maxMiB: {
        type: "number",
        default: 65536,
        description:
          "Largest limit accepted. docker.Container.memory is in MiB: a byte count there means terabytes, i.e. no limit.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Set a limit on every container: docker.Container `memory` (MiB), docker.Service `taskSpec.resources.limits.memoryBytes`, `docker run -m 512m`, compose `mem_limit` or `deploy.resources.limits.memory`. Size it from the memory plan (`npm run plan`).",
    cis: { id: "5.11", title: "Ensure that the memory usage for containers is limited" },
    kics: { id: "bb9ac4f7-e13b-423d-a010-c74a1bfbe492", title: "Memory Not Limited" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const { minMiB, maxMiB } = ctx.config;
    for (const c of await containersOf(r)) {
      if (reportedUnknown(ctx, c.memory, `${where(c)}: the memory limit`)) continue;
      if (c.memory === undefined) {
        ctx.violation(
          `${where(c)}: no memory limit. An unlimited container can take all of the host's RAM; the kernel's OOM killer then picks any process on the host (sshd, dockerd, Redis).`,
        );
      } else if (c.memory < minMiB * MiB) {
        ctx.violation(`${where(c)}: memory limit ${formatBytes(c.memory)} is below ${minMiB} MiB (Docker refuses it).`);
      } else if (c.memory > maxMiB * MiB) {
        ctx.violation(
          `${where(c)}: memory limit ${formatBytes(c.memory)} is above maxMiB (${maxMiB} MiB). docker.Container.memory is in MiB — was a byte count passed?`,
        );
      }
    }
  },
);
