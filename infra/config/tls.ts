// redis.tls: Redis 7 listens with TLS only (port 0), clients verify it against the stack's own CA. The pools and beat
// (on every host), and the exporter carry the CA; Flower does not yet, so it is refused beside TLS.
import type { RuleIssue } from "./rules";

/** What redis.tls cannot serve in this version, each at its own key. */
export function redisTlsIssues(tls: boolean, flower: { readonly enabled: boolean }): RuleIssue[] {
  if (!tls || !flower.enabled) return [];
  return [
    {
      path: ["flower", "enabled"],
      value: true,
      message:
        "with redis.tls on, Flower does not get the stack's CA yet: set flower.enabled to false, or redis.tls to false",
    },
  ];
}
