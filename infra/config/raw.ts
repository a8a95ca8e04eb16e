// Stack config arrives as `queuekit:<key>` entries (Pulumi's runtime, or a Pulumi.<stack>.yaml file).

export const NAMESPACE = "queuekit";

/** Held as pulumi.Output secrets, never in the plain parsed config. */
export const SECRET_KEYS: readonly string[] = ["redisPassword", "sshPrivateKey", "flowerPassword"];

/** The plain config object of one namespace: `queuekit:host` → `host`; other namespaces and secrets left out. */
export function rawFromEntries(
  entries: Readonly<Record<string, unknown>>,
  namespace = NAMESPACE,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(entries)) {
    const key = fullKey.startsWith(`${namespace}:`) ? fullKey.slice(namespace.length + 1) : undefined;
    if (key !== undefined && !SECRET_KEYS.includes(key)) raw[key] = value;
  }
  return raw;
}
