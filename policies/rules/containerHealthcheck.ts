import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const containerHealthcheck = resourceRule<{ trustImageHealthchecks: boolean }>(
  {
    name: "container-healthcheck",
    description: "Containers declare a health check (and none disables the image's).",
    config: {
      trustImageHealthchecks: {
        type: "boolean",
        default: false,
        description:
          "Accept containers that declare none, trusting a HEALTHCHECK in the image (the pack cannot see images).",
      },
    },
    enforcementLevel: "advisory",
    severity: "low",
    remediation:
      'Add a health check: docker.Container `healthcheck.tests` (e.g. ["CMD", "redis-cli", "ping"]), `docker run --health-cmd …`, compose `healthcheck.test`. A Redis that is alive but refusing writes (OOM command not allowed) or a worker stuck in swap looks "running" without one.',
    cis: { id: "5.27", title: "Ensure that container health is checked at runtime" },
    kics: { id: "698ed579-b239-4f8f-a388-baa4bcb13ef8", title: "Healthcheck Not Set" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    for (const c of await containersOf(r)) {
      if (c.kind === "cli" && c.script === "delete") continue;
      if (reportedUnknown(ctx, c.healthcheck, `${where(c)}: the health check`)) continue;
      if (c.healthcheck === "disabled") ctx.violation(`${where(c)}: the health check is disabled.`);
      else if (c.healthcheck === "absent" && !ctx.config.trustImageHealthchecks)
        ctx.violation(`${where(c)}: no health check.`);
    }
  },
);
