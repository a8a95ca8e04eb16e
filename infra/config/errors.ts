/** One problem in the stack config: where it is, what was given, and what is accepted instead. */
export interface ConfigIssue {
  /** Key path under the `queuekit` namespace, e.g. "workers[0].pool". */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** Every problem found in the stack config at once, one line each, so one edit fixes them all. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    const noun = issues.length === 1 ? "problem" : "problems";
    super([`queuekit config has ${issues.length} ${noun}:`, ...issues.map(formatIssue)].join("\n  "));
    this.name = "ConfigError";
  }
}

export function formatIssue({ path, value, message }: ConfigIssue): string {
  return `queuekit${path && `:${path}`}: got ${formatValue(value)} — ${message}`;
}

/** The value as the user wrote it: JSON, cut short when it is a large object. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** "workers[0].pool" from ["workers", 0, "pool"]. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i ? "." : ""}${String(part)}`)).join("");
}
