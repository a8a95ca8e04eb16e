// redis.tls: Redis 7 listens with TLS only (port 0), clients verify it against the stack's own CA. What reads Redis
// besides the worker pools does not carry the CA yet: each is refused with TLS on, naming the key to turn off.
import type { Placement } from "./hosts";
import { acrossHosts } from "./hosts";
import type { RuleIssue } from "./rules";

/** The side components and placements redis.tls cannot serve in this version, each at its own key. */
export function redisTlsIssues(
  tls: boolean,
  sides: {
    readonly monitoring: { readonly enabled: boolean };
    readonly beat: { readonly enabled: boolean };
    readonly flower: { readonly enabled: boolean };
  },
  placement: Placement | undefined,
): RuleIssue[] {
  if (!tls) return [];
  const reasons = {
    monitoring: "the Redis exporter does not get the stack's CA yet",
    beat: "beat does not get the stack's CA yet",
    flower: "Flower does not get the stack's CA yet",
  } as const;
  const issues: RuleIssue[] = (Object.keys(reasons) as (keyof typeof reasons)[])
    .filter((side) => sides[side].enabled)
    .map((side) => ({
      path: [side, "enabled"],
      value: true,
      message: `with redis.tls on, ${reasons[side]}: set ${side}.enabled to false, or redis.tls to false`,
    }));
  if (placement && acrossHosts(placement))
    issues.push({
      path: ["redis", "tls"],
      value: true,
      message:
        "workers on other hosts than Redis do not get the stack's CA yet (WorkerHost): place every pool on Redis' host (placement.workers), or set redis.tls to false",
    });
  return issues;
}
