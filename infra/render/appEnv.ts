import { createHash } from "node:crypto";
import { type AppEnvConfig, DEFAULT_SECRETS_UID } from "../config/appEnv";

/** Where a pool's file secrets appear in each worker (a read-only volume), one file per secret named as the secret. */
export const SECRETS_DIR = "/run/secrets";
/** Owner-read only: the worker's uid reads it, nobody else in the container does. */
export const SECRET_FILE_MODE = "0400";

/** The plain settings as `NAME=value` entries, sorted so the container's env is stable. */
export function plainEnvs(app: AppEnvConfig): string[] {
  const env = app.env ?? {};
  return Object.keys(env)
    .sort()
    .map((name) => `${name}=${env[name]}`);
}

/** Names of the secrets delivered as files / as environment variables. */
export const fileSecretNames = (app: AppEnvConfig): string[] =>
  (app.secrets ?? []).filter((s) => s.as === "file").map((s) => s.name);
export const envSecretNames = (app: AppEnvConfig): string[] =>
  (app.secrets ?? []).filter((s) => s.as === "env").map((s) => s.name);

/**
 * A short tag of the file secrets' names (never their values): it names their volume, so a secret removed from the
 * config leaves no stale file behind — a new set of names is a new volume.
 */
export const secretSetTag = (names: readonly string[]): string =>
  createHash("sha256")
    .update([...names].sort().join("\n"))
    .digest("hex")
    .slice(0, 8);

/** The owner of the secret files: the uid the worker runs as. */
export const secretsOwnerOf = (app: AppEnvConfig): number => app.secretsUid ?? DEFAULT_SECRETS_UID;
