// The monitoring side component in the plan: its size from config.monitoring alone, and how the table, the
// picture and a refused plan show it. Registered in CONTAINER_KINDS (containers.ts).
import { floorMiB } from "../config/units";
import type { SideKind } from "./containers";
import { eachText, mibText } from "./describe";
import { containerMemory, CPU_SHARES } from "./memory";

export const monitoringKind: SideKind<"monitoring"> = {
  kind: "monitoring",
  size: (config) => (config.enabled ? containerMemory(floorMiB(config.memory), CPU_SHARES.side) : undefined),
  of: ({ monitoring: m }) =>
    m ? [{ kind: "monitoring", key: "monitoring.memory", name: "monitoring", memory: m, replicas: 1 }] : [],
  label: (c) => c.name,
  notes: () => ["monitoring.memory"],
  picture: (c) => [
    {
      label: c.name,
      legend: `monitoring — ${c.replicas} × ${mibText(c.memory.limit.bytes)}`,
      bytes: c.memory.limit.bytes,
      fill: "#ef6c00",
      ink: "#fff",
    },
  ],
  refusal: (c) => ({ asked: eachText(c), change: "lower monitoring.memory, or monitoring.enabled: false" }),
};
