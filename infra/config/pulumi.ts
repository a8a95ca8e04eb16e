import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { appSecretValuesOf } from "./appEnv";
import { ConfigError, type ConfigIssue, keyPath } from "./errors";
import { crossHostPasswordIssue, layoutOf } from "./hosts";
import { registryPasswordsOf } from "./images";
import { isRecord, parseConfig } from "./parse";
import { plainTextSecrets } from "./plainSecrets";
import { rawFromEntries } from "./raw";
import type { QueuekitConfig } from "./types";
import { parse as parseYaml } from "yaml";

export interface StackConfig {
  readonly config: QueuekitConfig;
  readonly redisPassword: pulumi.Output<string>;
  /** Each config pool's secret values (index = config.workers index), Pulumi secrets from the moment they are read. */
  readonly appSecrets: readonly Readonly<Record<string, pulumi.Output<string>>>[];
  /** Each of config.registries' passwords, in its order: Pulumi secrets from the moment they are read. */
  readonly registryPasswords: readonly pulumi.Output<string>[];
  /** Present when host.connection.kind is "ssh". */
  readonly sshPrivateKey?: pulumi.Output<string>;
}

/**
 * Reads every `queuekit:*` key of the stack (so a misspelt key is an error, not a silent default),
 * validates it, and keeps the secrets as Outputs outside the plain config.
 */
export function readStackConfig(cfg: pulumi.Config): StackConfig {
  const entries = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig()).map(([key, text]) => [key, fromConfigText(text)]),
  );
  const issues: ConfigIssue[] = [];
  const redisPassword = cfg.getSecret("redisPassword");
  if (redisPassword === undefined) {
    issues.push({
      path: "redisPassword",
      value: undefined,
      message: `required: pulumi config set --secret ${cfg.name}:redisPassword <password>`,
    });
  }
  let config: QueuekitConfig | undefined;
  try {
    // Relative paths in the config (profiles) are from the project directory, where Pulumi.<stack>.yaml is.
    config = parseConfig(rawFromEntries(entries, cfg.name), projectDir(process.cwd()));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.unshift(...error.issues);
  }
  const sshPrivateKey = cfg.getSecret("sshPrivateKey");
  if (config && layoutOf(config).some((h) => h.config.connection.kind === "ssh") && sshPrivateKey === undefined) {
    issues.push({
      path: "sshPrivateKey",
      value: undefined,
      message: `required with host.connection.kind "ssh" (or a host of hosts over ssh): pulumi config set --secret ${cfg.name}:sshPrivateKey < ~/.ssh/id_ed25519`,
    });
  }
  // The plain text from allConfig: Config.get on a secret would warn in every run.
  const plain = entries[`${cfg.name}:redisPassword`];
  const password =
    config?.hosts && plain !== undefined && crossHostPasswordIssue(String(plain), config.hosts.placement);
  if (password) issues.push({ ...password, path: keyPath(password.path) });
  issues.push(...clearTextSecretsOf(pulumi.getStack(), cfg.name));
  if (config === undefined || redisPassword === undefined || issues.length) throw new ConfigError(issues);
  const appSecrets = appSecretValuesOf(entries[`${cfg.name}:workers`]).map((values) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, pulumi.secret(value)])),
  );
  const registryPasswords = registryPasswordsOf(entries[`${cfg.name}:registries`]).map((p) => pulumi.secret(p));
  return { config, redisPassword, sshPrivateKey, appSecrets, registryPasswords };
}

/** Secrets written to the stack's own file in clear text (the program only sees decrypted values, so it reads the file). */
function clearTextSecretsOf(stack: string, namespace: string): ConfigIssue[] {
  const name = `Pulumi.${stack}.yaml`;
  const file = path.join(projectDir(process.cwd()), name);
  if (!existsSync(file)) return [];
  const doc: unknown = parseYaml(readFileSync(file, "utf8"));
  return isRecord(doc) ? plainTextSecrets(doc.config, namespace, name) : [];
}

/** The nearest directory holding Pulumi.yaml: Pulumi runs the program from its `main` folder (dist/infra). */
export function projectDir(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

// Structured values reach the program as JSON text, plain ones as the bare string.
function fromConfigText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
