// The contract between the kit (infra/) and the policy pack: units, the planner's ratios and reserve formula,
// private address ranges, the eviction-safe policies, the component tokens and summaries. Both packages compile
// from these files; the pack ships them in its own package, so it stays publishable on its own.
export * from "./units";
export * from "./plan";
export * from "./addresses";
export * from "./redis";
export * from "./components";
