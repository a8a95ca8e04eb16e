import { redisServersOf } from "../lib/extract/kitComponents";
import { setting } from "../lib/model/redisServers";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { REDIS_TYPES } from "../lib/ruleKit/subjects";
import { EVICTION_SAFE_POLICIES, REDIS_DEFAULT_POLICY } from "../contract/redis";

export const redisBrokerEvictionSafe = resourceRule<{ allowedPolicies: string[] }>(
  {
    name: "redis-broker-eviction-safe",
    description:
      "Redis' maxmemory-policy never evicts keys without a TTL (Celery's queues): noeviction or a volatile-* policy.",
    config: {
      allowedPolicies: {
        type: "array",
        items: { type: "string" },
        default: [...EVICTION_SAFE_POLICIES],
        description: "Accepted maxmemory-policy values. allkeys-* evicts the queue lists themselves.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Use `maxmemory-policy noeviction` (writes fail loudly when full) or `volatile-lru` (only keys with a TTL — results — are evicted; give results a TTL with `result_expires`). allkeys-lru/lfu/random silently delete queued tasks when memory is full.",
  },
  REDIS_TYPES,
  async (r, ctx) => {
    const allowed = new Set(ctx.config.allowedPolicies.map((p) => p.toLowerCase()));
    for (const redis of await redisServersOf(r)) {
      const policy = setting(redis, "maxmemoryPolicy");
      if (reportedUnknown(ctx, policy, `${redis.origin}: maxmemory-policy`)) continue;
      const effective = policy ?? REDIS_DEFAULT_POLICY;
      if (redis.settings.dynamic.includes("maxmemory-policy")) {
        ctx.violation(
          `${redis.origin}: maxmemory-policy comes from the shell environment; set it literally so it can be checked.`,
        );
      } else if (!allowed.has(effective)) {
        ctx.violation(
          `${redis.origin}: maxmemory-policy ${effective} evicts keys without a TTL — Celery's queued tasks — when memory is full. Allowed: ${[...allowed].join(", ")}.`,
        );
      }
    }
  },
);
