import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";

export const noExtremeOomScoreAdj = resourceRule<{ minOomScoreAdj: number; maxOomScoreAdj: number }>(
  {
    name: "no-extreme-oom-score-adj",
    description: "No container shields itself from the OOM killer with a strongly negative --oom-score-adj.",
    config: {
      minOomScoreAdj: {
        type: "integer",
        minimum: -1000,
        maximum: 1000,
        default: -500,
        description: "Lowest score adjustment allowed (-1000 makes a process unkillable; dockerd itself runs at -500).",
      },
      maxOomScoreAdj: {
        type: "integer",
        minimum: -1000,
        maximum: 1000,
        default: 1000,
        description: "Highest score adjustment allowed.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "high",
    remediation:
      "Remove --oom-score-adj / `oom_score_adj` or keep it at or above minOomScoreAdj. A container the kernel will not kill makes it kill sshd, dockerd or Redis instead when the host runs out of memory. Bound the container with a memory limit rather than protecting it.",
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const { minOomScoreAdj, maxOomScoreAdj } = ctx.config;
    for (const c of await containersOf(r)) {
      if (reportedUnknown(ctx, c.oomScoreAdj, `${where(c)}: --oom-score-adj`)) continue;
      if (c.oomScoreAdj === undefined) continue;
      if (!Number.isFinite(c.oomScoreAdj)) ctx.violation(`${where(c)}: --oom-score-adj is not a number.`);
      else if (c.oomScoreAdj < minOomScoreAdj)
        ctx.violation(
          `${where(c)}: oom-score-adj ${c.oomScoreAdj} is below ${minOomScoreAdj}: the kernel will kill host processes before this container.`,
        );
      else if (c.oomScoreAdj > maxOomScoreAdj)
        ctx.violation(`${where(c)}: oom-score-adj ${c.oomScoreAdj} is above ${maxOomScoreAdj}.`);
    }
  },
);
