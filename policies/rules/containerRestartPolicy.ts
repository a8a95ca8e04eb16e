import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const containerRestartPolicy = resourceRule<{ allowedPolicies: string[]; maxRetries: number }>(
  {
    name: "container-restart-policy",
    description:
      "Long-running containers come back after an OOM kill: restart policy unless-stopped, always or on-failure (with a bounded retry count).",
    config: {
      allowedPolicies: {
        type: "array",
        items: { type: "string", enum: ["no", "always", "unless-stopped", "on-failure"] },
        default: ["always", "unless-stopped", "on-failure"],
        description: "Accepted restart policies.",
      },
      maxRetries: {
        type: "integer",
        minimum: 0,
        default: 5,
        description: "Largest on-failure retry count (0 = unbounded is refused). CIS recommends 5.",
      },
    },
    enforcementLevel: "advisory",
    severity: "medium",
    remediation:
      "Set `restart: unless-stopped` (docker.Container `restart`, `docker run --restart unless-stopped`, compose `restart:`), or `on-failure` with `maxRetryCount`/`:5`. Docker's default is `no`: a broker or worker killed by the OOM killer stays down and the queue stops.",
    cis: { id: "5.15", title: "Ensure that the 'on-failure' container restart policy is set to '5'" },
    kics: { id: "2fc99041-ddad-49d5-853f-e35e70a48391", title: "Restart Policy On Failure Not Set To 5" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const { allowedPolicies, maxRetries } = ctx.config;
    for (const c of await containersOf(r)) {
      if (c.kind === "cli" && c.script === "delete") continue;
      if (reportedUnknown(ctx, c.restart, `${where(c)}: the restart policy`)) continue;
      const [policy = "no", retries] = (c.restart ?? "no").split(":");
      if (!allowedPolicies.includes(policy)) {
        ctx.violation(
          `${where(c)}: restart policy "${policy}"${c.restart === undefined ? " (Docker's default)" : ""}: after an OOM kill it stays down. Allowed: ${allowedPolicies.join(", ")}.`,
        );
      } else if (
        policy === "on-failure" &&
        retries !== undefined &&
        (Number(retries) === 0 || Number(retries) > maxRetries)
      ) {
        ctx.violation(`${where(c)}: on-failure:${retries} — at most ${maxRetries} retries.`);
      }
    }
  },
);
