/** Labels every kit container carries, so tests and operators can find a stack's containers. */
export function kitLabels(stack: string, role: string): { label: string; value: string }[] {
  return [
    { label: "queuekit.stack", value: stack },
    { label: "queuekit.role", value: role },
  ];
}

/** Bounded json-file logs: an unrotated container log is a classic way to fill a small VPS's disk. */
export const rotatedLogs = {
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
} as const;
