import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const containerCapabilitiesRestricted = resourceRule<{ forbiddenCapabilities: string[] }>(
  {
    name: "container-capabilities-restricted",
    description:
      "No container adds capabilities that reach past its cgroup: ALL, SYS_ADMIN, SYS_RESOURCE, SYS_MODULE, IPC_LOCK, …",
    config: {
      forbiddenCapabilities: {
        type: "array",
        items: { type: "string" },
        default: [
          "ALL",
          "SYS_ADMIN",
          "SYS_RESOURCE",
          "SYS_MODULE",
          "SYS_PTRACE",
          "SYS_RAWIO",
          "SYS_BOOT",
          "SYS_TIME",
          "IPC_LOCK",
          "NET_ADMIN",
          "DAC_READ_SEARCH",
          "MAC_ADMIN",
          "BPF",
          "PERFMON",
        ],
        description: "Capabilities refused in cap_add (with or without the CAP_ prefix).",
      },
    },
    enforcementLevel: "advisory",
    severity: "medium",
    remediation:
      "Drop the capability from capabilities.adds / --cap-add / cap_add. SYS_RESOURCE overrides resource limits, IPC_LOCK pins memory the OOM killer cannot reclaim, SYS_ADMIN is nearly privileged. Redis and Celery need none of them.",
    cis: { id: "5.4", title: "Ensure that Linux kernel capabilities are restricted within containers" },
    kics: { id: "ce76b7d0-9e77-464d-b86f-c5c48e03e22d", title: "Container Capabilities Unrestricted" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const forbidden = new Set(ctx.config.forbiddenCapabilities.map(norm));
    for (const c of await containersOf(r)) {
      if (reportedUnknown(ctx, c.capAdd, `${where(c)}: the added capabilities`)) continue;
      const bad = (c.capAdd ?? []).filter((cap) => forbidden.has(norm(cap)));
      if (bad.length) ctx.violation(`${where(c)}: adds ${bad.join(", ")}.`);
    }
  },
);

const norm = (cap: string): string => cap.trim().toUpperCase().replace(/^CAP_/, "");
