export * from "./errors";
export * from "./planner";
export * from "./presets";
export * from "./summary";
export * from "./svg";
export * from "./table";
export * from "./types";
