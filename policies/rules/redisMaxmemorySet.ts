import { redisServersOf } from "../lib/extract/kitComponents";
import { setting } from "../lib/model/redisServers";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { REDIS_TYPES } from "../lib/ruleKit/subjects";
import { Unknown } from "../lib/parse/propertyValues";

export const redisMaxmemorySet = resourceRule(
  {
    name: "redis-maxmemory-set",
    description: "Every Redis server has maxmemory set (in redis.conf or as --maxmemory).",
    config: {},
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Set `maxmemory` below the container's limit (see redis-maxmemory-within-container): in the redis.conf you deliver (container `uploads`, CopyToRemote) or as `redis-server --maxmemory 700mb`. Without it Redis grows until the container is OOM-killed, and whatever it had not persisted — queued tasks, results — is lost.",
  },
  REDIS_TYPES,
  async (r, ctx) => {
    for (const redis of await redisServersOf(r)) {
      const maxmemory = setting(redis, "maxmemory");
      if (reportedUnknown(ctx, maxmemory, `${redis.origin}: maxmemory`)) continue;
      if (redis.settings.dynamic.includes("maxmemory")) {
        ctx.unknown(
          new Unknown(
            `--maxmemory ${redis.settings.maxmemoryText ?? ""}`.trim(),
            "comes from the shell environment at run time",
          ),
          `${redis.origin}: maxmemory`,
        );
      } else if (maxmemory === undefined || maxmemory === 0) {
        ctx.violation(
          `${redis.origin}: maxmemory is not set${maxmemory === 0 ? " (0 = no limit)" : ""}. Redis will grow until the container is OOM-killed.`,
        );
      }
    }
  },
);
