// Celery beat in the plan: one container per stack (never one per replica), sized from config.beat alone, and how the
// table, the picture and a refused plan show it. Registered in SIDE_KINDS (containers.ts).
import { floorMiB } from "../config/units";
import type { SideKind } from "./containers";
import { eachText, mibText } from "./describe";
import { containerMemory, CPU_SHARES } from "./memory";

export const beatKind: SideKind<"beat"> = {
  kind: "beat",
  size: (config) => (config.enabled ? containerMemory(floorMiB(config.memory), CPU_SHARES.side) : undefined),
  of: ({ beat }) => (beat ? [{ kind: "beat", key: "beat.memory", name: "beat", memory: beat, replicas: 1 }] : []),
  label: (c) => c.name,
  notes: () => ["beat.memory: the one Celery beat of the stack, its schedule state on a volume"],
  picture: (c) => [
    {
      label: c.name,
      legend: `celery beat — ${c.replicas} × ${mibText(c.memory.limit.bytes)}, one scheduler per stack`,
      bytes: c.memory.limit.bytes,
      fill: "#6a1b9a",
      ink: "#fff",
    },
  ],
  refusal: (c) => ({ asked: eachText(c), change: "lower beat.memory (at least 48MiB), or beat.enabled: false" }),
};
