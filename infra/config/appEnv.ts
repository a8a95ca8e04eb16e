// A pool's app settings (plain environment variables) and secrets (Pulumi secrets: files, or env vars per secret).
// The parsed config keeps each secret's name and delivery only: values stay Outputs (pulumi.ts), never plain config.
import { z } from "zod";
import { type Ctx, int, issue, reject } from "./zod";

export type SecretDelivery = "file" | "env";

export interface AppSecretRef {
  readonly name: string;
  /** "file": /run/secrets/<name>, mode 0400, owned by secretsUid; "env": an environment variable (shows in inspect). */
  readonly as: SecretDelivery;
}

/** Absent keys (a pool built in code, e.g. by npm run calibrate): no settings, no secrets. */
export interface AppEnvConfig {
  /** Plain settings: environment variable name → value. */
  readonly env?: Readonly<Record<string, string>>;
  readonly secrets?: readonly AppSecretRef[];
  /** The uid the worker runs as, owner of the secret files. The stack config defaults it to runAs' uid (schema.ts); a
   * pool built in code without it gets DEFAULT_SECRETS_UID. */
  readonly secretsUid?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Only for a pool built in code without secretsUid: nobody, the user of queuekit/celery:5-local and the demo image. */
export const DEFAULT_SECRETS_UID = 65534;
/** What an error shows instead of a secret's value. */
export const REDACTED = "[secret]";

/** Names the kit sets or relies on: an app setting must not replace them without a word. */
export function reservedBy(name: string): string | undefined {
  if (name.startsWith("CELERY_"))
    return "CELERY_* variables are read by Celery itself (CELERY_BROKER_URL, CELERY_CONFIG_MODULE, ...) and would override the broker and config the kit renders";
  if (name.startsWith("QUEUEKIT_")) return "QUEUEKIT_* variables are the kit's own (e.g. QUEUEKIT_LIVENESS_FILE)";
  if (name === "PYTHONPATH") return "PYTHONPATH is set by the kit so the worker finds its rendered celeryconfig";
  if (name === "PYTHONDONTWRITEBYTECODE")
    return "PYTHONDONTWRITEBYTECODE keeps .pyc files off the read-only root filesystem";
  return undefined;
}

const nameProblem = (name: string): string | undefined =>
  !ENV_NAME.test(name)
    ? `not an environment variable name: use [A-Z_][A-Z0-9_]*, e.g. ${JSON.stringify(suggestName(name))}`
    : reservedBy(name) && `reserved: ${reservedBy(name)}; rename it (e.g. APP_${name})`;

const suggestName = (name: string): string =>
  name
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_")
    .replace(/^(?=\d)/, "_");

const envMap = z.unknown().transform((value, ctx): Record<string, string> => {
  if (!isRecord(value)) return reject(ctx, 'expected a map of NAME: "value", e.g. {APP_MODE: "production"}');
  for (const [name, v] of Object.entries(value)) {
    const problem = nameProblem(name);
    if (problem) issue(ctx, problem, [name]);
    else if (typeof v !== "string")
      issue(ctx, `values must be strings: quote it, e.g. ${name}: ${JSON.stringify(JSON.stringify(v) ?? "")}`, [name]);
  }
  return value as Record<string, string>;
});

// At run time Pulumi hands the program the decrypted string; a config file read without the passphrase (npm run plan)
// still holds {secure: "v1:..."}. Either is accepted; the value itself is dropped here.
const secretMap = z.unknown().transform((value, ctx): string[] => {
  if (!isRecord(value))
    return reject(ctx, "expected a map of NAME: secret, each set with pulumi config set --secret --path");
  for (const [name, v] of Object.entries(value)) {
    const problem = nameProblem(name);
    if (problem) issue(ctx, problem, [name]);
    else if (!isSecretValue(v))
      issue(
        ctx,
        `expected a non-empty string: pulumi config set --secret --path 'queuekit:workers[i].secrets.${name}' VALUE`,
        [name],
      );
  }
  return Object.keys(value);
});

const isSecretValue = (v: unknown): boolean =>
  (typeof v === "string" && v.length > 0) || (isRecord(v) && typeof v.secure === "string");

const nameList = z.unknown().transform((value, ctx): string[] => {
  if (!Array.isArray(value) || value.some((n) => typeof n !== "string"))
    return reject(ctx, 'expected a list of secret names, e.g. ["DATABASE_URL"]');
  return value as string[];
});

/** The pool keys (schema.ts spreads them into a worker pool's fields). */
export const appEnvFields = {
  env: envMap.optional(),
  secrets: secretMap.optional(),
  secretsAsEnv: nameList.optional(),
  secretsUid: int(0, 2 ** 31 - 1, " (the uid the worker runs as: docker run --rm --entrypoint id IMAGE -u)").optional(),
};

type AppEnvFields = { readonly [K in keyof typeof appEnvFields]?: z.output<(typeof appEnvFields)[K]> };

/** A pool's settings and secret names, checked across the keys; issues are reported on `ctx` at the key. */
export function toAppEnv(p: AppEnvFields, ctx: Ctx): Required<AppEnvConfig> {
  const env = p.env ?? {};
  const names = p.secrets ?? [];
  (p.secretsAsEnv ?? []).forEach((name, i) => {
    if (!names.includes(name))
      issue(ctx, `names no secret of this pool: add it under secrets, or remove it from secretsAsEnv`, [
        "secretsAsEnv",
        i,
      ]);
  });
  for (const name of names)
    if (name in env)
      issue(ctx, `${name} is also a plain setting (env.${name}): keep it in one of env or secrets`, ["secrets", name]);
  const asEnv = new Set(p.secretsAsEnv ?? []);
  return {
    env,
    secrets: names.map((name) => ({ name, as: asEnv.has(name) ? "env" : "file" })),
    secretsUid: p.secretsUid ?? DEFAULT_SECRETS_UID,
  };
}

/** Each pool's secret values as given to the program (index = config.workers index); plain strings only. */
export function appSecretValuesOf(workers: unknown): Record<string, string>[] {
  if (!Array.isArray(workers)) return [];
  return workers.map((pool) =>
    isRecord(pool) && isRecord(pool.secrets)
      ? Object.fromEntries(Object.entries(pool.secrets).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {},
  );
}

const redacted = (secrets: unknown): unknown =>
  isRecord(secrets) ? Object.fromEntries(Object.keys(secrets).map((k) => [k, REDACTED])) : REDACTED;

/** The raw config with every secret value replaced, for error messages that print what was given. */
export function redactAppSecrets(raw: unknown): unknown {
  if (!isRecord(raw) || !Array.isArray(raw.workers)) return raw;
  const workers = raw.workers.map((pool: unknown) =>
    isRecord(pool) && pool.secrets !== undefined ? { ...pool, secrets: redacted(pool.secrets) } : pool,
  );
  return { ...raw, workers };
}
