// redis.tls: Redis 7 listens with TLS only (port 0), clients verify it against the stack's own CA. The pools, beat and
// the exporter on Redis' host carry the CA; Flower and pools on other hosts do not yet: each is refused at its key.
import type { Placement } from "./hosts";
import { acrossHosts } from "./hosts";
import type { RuleIssue } from "./rules";

/** What redis.tls cannot serve in this version, each at its own key. */
export function redisTlsIssues(
  tls: boolean,
  flower: { readonly enabled: boolean },
  placement: Placement | undefined,
): RuleIssue[] {
  if (!tls) return [];
  const issues: RuleIssue[] = [];
  if (flower.enabled)
    issues.push({
      path: ["flower", "enabled"],
      value: true,
      message:
        "with redis.tls on, Flower does not get the stack's CA yet: set flower.enabled to false, or redis.tls to false",
    });
  if (placement && acrossHosts(placement))
    issues.push({
      path: ["redis", "tls"],
      value: true,
      message:
        "workers on other hosts than Redis do not get the stack's CA yet (WorkerHost): place every pool on Redis' host (placement.workers), or set redis.tls to false",
    });
  return issues;
}
