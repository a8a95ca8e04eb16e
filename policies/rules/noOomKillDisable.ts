import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { classify } from "../lib/model/deliveredFiles";
import { CONTAINER_TYPES, extractionOf, where } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const noOomKillDisable = resourceRule(
  {
    name: "no-oom-kill-disable",
    description: "No container runs with the OOM killer disabled (--oom-kill-disable, compose oom_kill_disable).",
    config: {},
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Remove --oom-kill-disable / `oom_kill_disable: true`. With it, a container at its limit is not killed but hangs in the kernel waiting for memory (cgroup v1), and without a limit it makes the host's OOM killer take sshd or dockerd instead. Let the container be killed and restarted (restart policy), and give Redis enough headroom above maxmemory.",
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const ex = await extractionOf(r);
    for (const c of ex.containers) {
      if (reportedUnknown(ctx, c.oomKillDisable, `${where(c)}: --oom-kill-disable`)) continue;
      if (c.oomKillDisable === true) ctx.violation(`${where(c)}: the OOM killer is disabled for this container.`);
    }
    for (const f of ex.files) {
      if (!isKnown(f.content) || classify(f.path, f.content) !== "daemon-json") continue;
      let json: unknown;
      try {
        json = JSON.parse(f.content);
      } catch {
        continue; // container-log-rotation reports an unreadable daemon.json
      }
      if (json && typeof json === "object" && "oom-kill-disable" in json)
        ctx.violation(
          `${f.path}: "oom-kill-disable" is not a dockerd option (dockerd refuses to start with it) — and disabling the OOM killer is what this rule forbids.`,
        );
    }
  },
);
