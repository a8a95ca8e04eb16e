import { redactAppSecrets } from "./appEnv";
import { ConfigError, type ConfigIssue, keyPath } from "./errors";
import { redactRegistries } from "./images";
import { isPresetName, PRESETS } from "./presets";
import { configSchemaAt } from "./schema";
import type { QueuekitConfig } from "./types";

type Issue = { readonly path: readonly PropertyKey[]; readonly message: string; readonly keys?: readonly string[] };

/**
 * Validates the raw stack config (preset applied first); throws one ConfigError listing every problem.
 * `baseDir`: where relative file keys (a pool's profile) are read from.
 */
export function parseConfig(raw: unknown, baseDir: string = process.cwd()): QueuekitConfig {
  const input = withPreset(raw);
  const result = configSchemaAt(baseDir).safeParse(input);
  if (result.success) return result.data;
  // An issue prints the value it is about: secrets' values never reach the message.
  const shown = redactRegistries(redactAppSecrets(input));
  throw new ConfigError(result.error.issues.flatMap((issue) => toConfigIssues(issue, shown)));
}

function withPreset(raw: unknown): unknown {
  if (!isRecord(raw) || !isPresetName(raw.preset)) return raw;
  return mergeOver(PRESETS[raw.preset], raw);
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `explicit` over `defaults`: objects merge key by key, anything else (lists included) replaces. */
export function mergeOver(defaults: Readonly<Record<string, unknown>>, explicit: Readonly<Record<string, unknown>>) {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(explicit)) {
    const base = merged[key];
    merged[key] = isRecord(base) && isRecord(value) ? mergeOver(base, value) : value;
  }
  return merged;
}

// An unknown key is one issue on the parent object; report it as one line per key, at the key.
function toConfigIssues(issue: Issue, input: unknown): ConfigIssue[] {
  const paths = issue.keys ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
  return paths.map((path) => ({ path: keyPath(path), value: valueAt(input, path), message: issue.message }));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}
