// A secret set without --secret sits in clear text in Pulumi.<stack>.yaml (and in git): refused, wherever it is.
import type { ConfigIssue } from "./errors";
import { isRecord } from "./parse";
import { NAMESPACE, SECRET_KEYS } from "./raw";

/** What an issue shows instead of the clear-text value. */
const CLEAR_TEXT = "[clear text]";

/**
 * Every secret of the stack file's `config:` map that is a plain string instead of `{secure: …}`: the top-level secret
 * keys, each pool's `secrets`, each registry's `password`. Key paths are those of the `queuekit` namespace.
 */
export function plainTextSecrets(
  stackConfig: unknown,
  namespace = NAMESPACE,
  file = "Pulumi.<stack>.yaml",
): ConfigIssue[] {
  if (!isRecord(stackConfig)) return [];
  const where = `stored in clear text in ${file}`;
  const issue = (path: string, fix: string): ConfigIssue => ({
    path,
    value: CLEAR_TEXT,
    message: `${where}: ${fix} (it replaces the plain value; rotate it if the file was committed)`,
  });
  const issues: ConfigIssue[] = [];
  for (const key of SECRET_KEYS)
    if (typeof stackConfig[`${namespace}:${key}`] === "string")
      issues.push(issue(key, `pulumi config set --secret ${namespace}:${key} <value>`));
  const listed = (key: string): unknown[] => {
    const value = stackConfig[`${namespace}:${key}`];
    return Array.isArray(value) ? value : [];
  };
  listed("workers").forEach((pool, i) => {
    if (!isRecord(pool) || !isRecord(pool.secrets)) return;
    for (const [name, value] of Object.entries(pool.secrets))
      if (typeof value === "string")
        issues.push(
          issue(
            `workers[${i}].secrets.${name}`,
            `pulumi config set --secret --path '${namespace}:workers[${i}].secrets.${name}' <value>`,
          ),
        );
  });
  listed("registries").forEach((registry, i) => {
    if (isRecord(registry) && typeof registry.password === "string")
      issues.push(
        issue(
          `registries[${i}].password`,
          `pulumi config set --secret --path '${namespace}:registries[${i}].password' <value>`,
        ),
      );
  });
  return issues;
}
