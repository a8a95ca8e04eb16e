// Side components: containers beside Redis and the worker pools, each with its own keys and sized from them alone.
// The list a new side component joins: the schema, QueuekitConfig, MemoryPlan and the planner iterate it, and
// the compiler asks for its descriptor in plan/containers.ts's SIDE_KINDS (config cannot import the plan).
import type { z } from "zod";
import { monitoringSchema } from "./monitoring";

/** Each side component's top-level key and its schema (defaults filled when the key is left out). */
export const SIDE_SCHEMAS = {
  monitoring: monitoringSchema,
} as const;

export type SideName = keyof typeof SIDE_SCHEMAS;

export const SIDE_NAMES = Object.keys(SIDE_SCHEMAS) as SideName[];

/** Each side component's parsed config, under its key. */
export type SideConfigs = { readonly [K in SideName]: z.output<(typeof SIDE_SCHEMAS)[K]> };

/** Just the side components' keys of a parsed config, in list order. */
export const sideConfigsOf = (config: SideConfigs): SideConfigs =>
  Object.fromEntries(SIDE_NAMES.map((name) => [name, config[name]])) as SideConfigs;
