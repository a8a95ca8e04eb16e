import { redisServersOf } from "../lib/extract/kitComponents";
import { persistence, setting } from "../lib/model/redisServers";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes } from "../lib/parse/sizes";
import { REDIS_TYPES } from "../lib/ruleKit/subjects";
import { isKnown, isUnknown } from "../lib/parse/propertyValues";
import { MAXMEMORY_RATIO } from "../contract/plan";

export const redisMaxmemoryWithinContainer = resourceRule<{
  maxRatioWithPersistence: number;
  maxRatioWithoutPersistence: number;
}>(
  {
    name: "redis-maxmemory-within-container",
    description:
      "Redis' maxmemory leaves room inside the container's limit: at most 70% of it with RDB/AOF persistence, 90% without.",
    config: {
      maxRatioWithPersistence: {
        type: "number",
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.7,
        description:
          "Largest maxmemory / container limit when snapshots or AOF are on (a forked save copies pages on write).",
      },
      maxRatioWithoutPersistence: {
        type: "number",
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.9,
        description:
          "Largest maxmemory / container limit with persistence off (client buffers and fragmentation still need room).",
      },
    },
    enforcementLevel: "mandatory",
    severity: "high",
    remediation: `Lower maxmemory to the ratio or raise the container limit (the kit's planner gives maxmemory ${MAXMEMORY_RATIO} of the limit, with or without persistence: on its fill test, evictions that turn result memory into queue memory doubled Redis' RSS). maxmemory counts only the dataset: the fork of an RDB save or AOF rewrite, client output buffers and fragmentation come on top, and the container is OOM-killed when they do not fit.`,
  },
  REDIS_TYPES,
  async (r, ctx) => {
    const { maxRatioWithPersistence, maxRatioWithoutPersistence } = ctx.config;
    for (const redis of await redisServersOf(r)) {
      if (redis.limit === undefined) continue; // no container limit: container-memory-limit reports it
      const maxmemory = setting(redis, "maxmemory");
      if (!isKnown(maxmemory) || maxmemory === 0 || redis.settings.dynamic.includes("maxmemory")) continue; // redis-maxmemory-set
      if (reportedUnknown(ctx, redis.limit, `${redis.origin}: the container limit`)) continue;
      // Unknown persistence counts as on: it is Redis' default, and the stricter ratio.
      const persistent = persistence(redis);
      const on = persistent === true || isUnknown(persistent);
      const ratio = on ? maxRatioWithPersistence : maxRatioWithoutPersistence;
      if (maxmemory > redis.limit * ratio) {
        ctx.violation(
          `${redis.origin}: maxmemory ${formatBytes(maxmemory)} is ${Math.round((maxmemory / redis.limit) * 100)}% of the ${formatBytes(redis.limit)} container limit; at most ${Math.round(ratio * 100)}% (${formatBytes(Math.floor(redis.limit * ratio))}) ${on ? "with persistence on" : "without persistence"}.`,
        );
      }
    }
  },
);
