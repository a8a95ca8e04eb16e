/**
 * Bounded json-file logs: an unrotated container log is a classic way to fill a small VPS's disk. Every kit
 * container sets them, and the daemon.json the kit manages makes them the engine's default.
 */
export const rotatedLogs = {
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
} as const;
