import * as pulumi from "@pulumi/pulumi";
import type { AppEnvConfig } from "../config/appEnv";
import {
  envSecretNames,
  fileSecretNames,
  SECRET_FILE_MODE,
  SECRETS_DIR,
  secretSetTag,
  secretsOwnerOf,
} from "../render/appEnv";
import { configVolume, type ConfigVolume } from "./common";

export interface AppSecretsArgs {
  readonly stack: string;
  /** The pool's name in container names (a planned pool's name). */
  readonly what: string;
  readonly image: pulumi.Input<string>;
  readonly app: AppEnvConfig;
  /** The secrets' values by name (Pulumi secrets). */
  readonly values: Readonly<Record<string, pulumi.Output<string>>>;
}

export interface AppSecrets {
  /** `NAME=value` entries of the secrets the user chose to get as environment variables (secret Outputs). */
  readonly envs: pulumi.Output<string>[];
  /** The read-only volume holding the file secrets, when there are any. */
  readonly files?: ConfigVolume;
}

/**
 * A pool's secrets: files in a carrier's volume (configVolume: no value in the container's config, the root stays
 * read-only), mode 0400 and owned by the worker's uid; or environment variables where the user asked for that.
 */
export function appSecrets(parent: pulumi.Resource, name: string, args: AppSecretsArgs): AppSecrets {
  const value = (secret: string): pulumi.Output<string> => {
    const v = args.values[secret];
    if (v === undefined) throw new Error(`${name}: secret ${secret} has no value in the stack config`);
    return v;
  };
  const envs = envSecretNames(args.app).map((secret) => pulumi.secret(value(secret).apply((v) => `${secret}=${v}`)));
  const fileNames = fileSecretNames(args.app);
  if (fileNames.length === 0) return { envs };
  const owner = String(secretsOwnerOf(args.app));
  const files = configVolume(parent, `${name}-secrets`, {
    stack: args.stack,
    role: "worker-secrets",
    what: `${args.what}-secrets-${secretSetTag(fileNames)}`,
    image: args.image,
    // The files carry their owner (the worker's uid); a stated user would make dockerd refuse them (configVolume).
    user: undefined,
    dir: SECRETS_DIR,
    files: fileNames.map((secret) => ({
      file: `${SECRETS_DIR}/${secret}`,
      content: pulumi.secret(value(secret)),
      permissions: SECRET_FILE_MODE,
      owner,
      group: owner,
    })),
  });
  return { envs, files };
}
