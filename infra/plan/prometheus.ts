// Prometheus in the plan: its size from config.prometheus (monitoring.prometheus) alone, and how the table, the
// picture and a refused plan show it. Registered in SIDE_KINDS (containers.ts).
import { floorMiB } from "../config/units";
import type { SideKind } from "./containers";
import { eachText, mibText } from "./describe";
import { containerMemory, CPU_SHARES } from "./memory";

export const prometheusKind: SideKind<"prometheus"> = {
  kind: "prometheus",
  size: (config) => (config.enabled ? containerMemory(floorMiB(config.memory), CPU_SHARES.side) : undefined),
  of: ({ prometheus: p }) =>
    p ? [{ kind: "prometheus", key: "monitoring.prometheus.memory", name: "prometheus", memory: p, replicas: 1 }] : [],
  label: (c) => c.name,
  notes: () => ["monitoring.prometheus.memory: scrapes the exporter, evaluates the alert rules"],
  picture: (c) => [
    {
      label: c.name,
      legend: `prometheus — ${c.replicas} × ${mibText(c.memory.limit.bytes)}`,
      bytes: c.memory.limit.bytes,
      fill: "#ffb74d",
      ink: "#3e2723",
    },
  ],
  refusal: (c) => ({
    asked: eachText(c),
    change: "lower monitoring.prometheus.memory, or monitoring.prometheus.enabled: false",
  }),
};
