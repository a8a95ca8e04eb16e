// Side components: containers beside Redis and the worker pools, each with its own keys and sized from them alone.
// The list a new side component joins: the schema, QueuekitConfig, MemoryPlan and the planner iterate it, and
// the compiler asks for its descriptor in plan/containers.ts's SIDE_KINDS (config cannot import the plan).
import type { z } from "zod";
import { type BeatConfig, beatPoolIssue, beatSchema } from "./beat";
import { type FlowerConfig, flowerSchema } from "./flower";
import { monitoringSchema, type MonitoringConfig, type PrometheusConfig } from "./monitoring";

/** Each top-level side key and its schema (defaults filled when the key is left out). */
export const SIDE_SCHEMAS = {
  monitoring: monitoringSchema,
  beat: beatSchema,
  flower: flowerSchema,
} as const;

/** What the schema parsed under the side keys. */
export type ParsedSides = { readonly [K in keyof typeof SIDE_SCHEMAS]: z.output<(typeof SIDE_SCHEMAS)[K]> };

/**
 * Each side component's parsed config, under its name. Prometheus' keys sit under monitoring.prometheus (it scrapes
 * the exporter, and that rule lives in one schema); it is a container of its own, so a side of its own.
 */
export interface SideConfigs {
  readonly monitoring: MonitoringConfig;
  readonly prometheus: PrometheusConfig;
  readonly beat: BeatConfig;
  readonly flower: FlowerConfig;
}

export type SideName = keyof SideConfigs;

export const SIDE_NAMES: readonly SideName[] = ["monitoring", "prometheus", "beat", "flower"];

/** Each side component's config from what the schema parsed: a nested side's keys lifted out of its parent's. */
export function sideConfigsOf(parsed: ParsedSides): SideConfigs {
  const { prometheus, ...monitoring } = parsed.monitoring;
  return { monitoring, prometheus, beat: parsed.beat, flower: parsed.flower };
}

/** Side keys that name core ones (beat.pool names a worker pool): each problem at its key, with the fix. */
export function sideRuleIssues(
  parsed: ParsedSides & { readonly workers: readonly { readonly name: string }[] },
): { readonly path: readonly PropertyKey[]; readonly message: string }[] {
  const beat = beatPoolIssue(
    parsed.beat,
    parsed.workers.map((w) => w.name),
  );
  return beat ? [beat] : [];
}
