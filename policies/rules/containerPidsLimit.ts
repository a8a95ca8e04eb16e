import { hardeningRule } from "../lib/ruleKit/hardening";

export const containerPidsLimit = hardeningRule(
  {
    name: "container-pids-limit",
    description: "Each container has a PIDs limit: a fork bomb or a thread leak stops at it, not at the host's.",
    severity: "low",
    remediation:
      "Bound the tasks (processes and threads) of each container: compose `pids_limit: 128` (or deploy.resources.limits.pids), `docker run --pids-limit 128`; for a docker.Container (the provider has no such property) a `docker update --pids-limit` after creation, which the pack does not read. Size it from what the process tree was measured to hold, with headroom.",
    cis: { id: "5.29", title: "Ensure that the PIDs cgroup limit is used" },
    kics: { id: "221e0658-cb2a-44e3-b08a-db96a341d6fa", title: "Pids Limit Not Set" },
  },
  {
    key: "pidsLimit",
    what: "its PIDs limit",
    problem: (v) =>
      v !== undefined && v > 0
        ? undefined
        : v === undefined
          ? "has no PIDs limit (pids_limit / --pids-limit)."
          : `has PIDs limit ${v}: unlimited.`,
  },
);
