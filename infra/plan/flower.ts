// Flower in the plan: its size from config.flower alone, and how the table, the picture and a refused plan show it.
// Registered in SIDE_KINDS (containers.ts).
import { floorMiB } from "../config/units";
import type { SideKind } from "./containers";
import { eachText, mibText } from "./describe";
import { containerMemory, CPU_SHARES } from "./memory";

export const flowerKind: SideKind<"flower"> = {
  kind: "flower",
  size: (config) => (config.enabled ? containerMemory(floorMiB(config.memory), CPU_SHARES.side) : undefined),
  of: ({ flower }) =>
    flower ? [{ kind: "flower", key: "flower.memory", name: "flower", memory: flower, replicas: 1 }] : [],
  label: (c) => c.name,
  notes: () => ["flower.memory: Celery's web monitor, its memory bounded by flower.maxTasks"],
  picture: (c) => [
    {
      label: c.name,
      legend: `flower — ${c.replicas} × ${mibText(c.memory.limit.bytes)}`,
      bytes: c.memory.limit.bytes,
      fill: "#2e7d32",
      ink: "#fff",
    },
  ],
  refusal: (c) => ({
    asked: eachText(c),
    change: "lower flower.memory (at least 64MiB) and flower.maxTasks, or flower.enabled: false",
  }),
};
