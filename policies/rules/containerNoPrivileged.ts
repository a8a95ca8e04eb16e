import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const containerNoPrivileged = resourceRule(
  {
    name: "container-no-privileged",
    description: "No container runs privileged.",
    config: {},
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Remove `privileged` / `--privileged` / `privileged: true`; add only the capability a container needs (see container-capabilities-restricted). A privileged container can rewrite the host's kernel settings — vm.overcommit_memory, its own cgroup limits, swap — i.e. undo every guarantee this pack checks, and take the host down.",
    cis: { id: "5.5", title: "Ensure that privileged containers are not used" },
    kics: { id: "ae5b6871-7f45-42e0-bb4c-ab300c4d2026", title: "Privileged Containers Enabled" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    for (const c of await containersOf(r)) {
      if (reportedUnknown(ctx, c.privileged, `${where(c)}: privileged`)) continue;
      if (c.privileged === true) ctx.violation(`${where(c)}: runs privileged.`);
    }
  },
);
