// Several hosts: each planned on its own (its memory, its cpus, what is placed on it), shown one after the other.
import { layoutOf, type PlacedHost } from "../config/hosts";
import type { QueuekitConfig } from "../config/types";
import { planHostMemory } from "./planner";
import { renderPlanSvg } from "./planSvg";
import { renderPlanTable } from "./planTable";
import type { HostMemoryPlan } from "./types";

export interface HostPlan extends PlacedHost {
  readonly plan: HostMemoryPlan;
}

/** Every host's plan, in the order of `hosts` (one `host`: one plan, planMemory's). Throws the first PlanError. */
export function planHosts(config: QueuekitConfig): HostPlan[] {
  return layoutOf(config).map((placed) => ({ ...placed, plan: planHostMemory(config, placed) }));
}

/** A host's title line: its name, key and private address, what runs there. */
export function hostTitle(h: HostPlan, title: string): string {
  const parts = [
    ...(h.redis ? ["redis"] : []),
    ...h.plan.workers.map((w) => `${w.name} ×${w.replicas}`),
    ...(h.plan.beat ? ["beat"] : []),
  ];
  const where = h.privateAddress ? `, ${h.privateAddress}` : "";
  return `${title} — host ${h.name} (${h.key}${where}): ${parts.join(", ") || "nothing placed"}`;
}

/** One table per host; a single `host` gives exactly renderPlanTable's. */
export function renderHostsTable(hosts: readonly HostPlan[], title: string): string {
  if (hosts.length === 1 && hosts[0]!.key === "host") return renderPlanTable(hosts[0]!.plan, title);
  return hosts.map((h) => renderPlanTable(h.plan, hostTitle(h, title))).join("\n\n");
}

/** One picture with a bar per host, stacked top to bottom (each its own scale: its own memory). */
export function renderHostsSvg(hosts: readonly HostPlan[], title: string): string {
  if (hosts.length === 1 && hosts[0]!.key === "host") return renderPlanSvg(hosts[0]!.plan, title);
  let y = 0;
  let width = 0;
  const inner = hosts.map((h) => {
    const svg = renderPlanSvg(h.plan, hostTitle(h, title));
    const [, w, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const placed = svg.replace("<svg ", `<svg x="0" y="${y}" `);
    y += height!;
    width = Math.max(width, w!);
    return placed;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">`,
    ...inner,
    "</svg>",
    "",
  ].join("\n");
}

/** Number of the first replica of pool plan `pool` on `host`: the replicas on the hosts before it, in hosts' order. */
export function firstReplicaOf(hosts: readonly HostPlan[], host: string, pool: string): number {
  const before = hosts.slice(
    0,
    hosts.findIndex((h) => h.name === host),
  );
  return before.flatMap((h) => h.plan.workers.filter((w) => w.name === pool)).reduce((n, w) => n + w.replicas, 0);
}
