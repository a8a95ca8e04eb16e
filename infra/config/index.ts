// Pure modules first; `pulumi.ts` is the only one that loads @pulumi/pulumi (import the others
// directly, e.g. "../config/parse", where start-up time matters such as the plan CLI).
export * from "./bind";
export * from "./errors";
export * from "./parse";
export * from "./raw";
export * from "./schema";
export * from "./types";
export * from "./units";
export * from "./pulumi";
