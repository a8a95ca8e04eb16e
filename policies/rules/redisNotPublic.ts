import { reportPublicExposure } from "../lib/ruleKit/exposure";
import { redisServersOf } from "../lib/extract/kitComponents";
import { setting } from "../lib/model/redisServers";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { REDIS_TYPES } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";

export const redisNotPublic = resourceRule<{ requireAuth: boolean; allowedHostIps: string[] }>(
  {
    name: "redis-not-public",
    description:
      "Redis is not published on all host interfaces (0.0.0.0, ::, Swarm ingress, host networking) and requires a password.",
    config: {
      requireAuth: {
        type: "boolean",
        default: true,
        description: "Require requirepass (or an ACL giving the default user a password) on every Redis.",
      },
      allowedHostIps: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Extra host addresses Redis may be published on besides loopback and private ranges (e.g. a VPN address).",
      },
    },
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      'Do not publish Redis, or publish it on 127.0.0.1 / a private address only (docker.Container `ports[].ip`, `-p 127.0.0.1:6379:6379`, compose `"127.0.0.1:6379:6379"`); no `network_mode: host`, no `-P`, no Swarm ingress port. Set `requirepass` (or an ACL user) even on a private network: an open Redis is an open door to the host (CONFIG SET dir/dbfilename) and its queue.',
    cis: { id: "5.14", title: "Ensure that incoming container traffic is bound to a specific host interface" },
    kics: { id: "451d79dc-0588-476a-ad03-3c7f0320abb3", title: "Container Traffic Not Bound To Host Interface" },
  },
  REDIS_TYPES,
  async (r, ctx) => {
    const { requireAuth, allowedHostIps } = ctx.config;
    for (const redis of await redisServersOf(r)) {
      if (reportPublicExposure(ctx, redis, { name: "Redis", possessive: "Redis'" }, allowedHostIps)) continue;
      if (!requireAuth) continue;
      const at = redis.origin;
      const auth = setting(redis, "auth");
      const aclfile = setting(redis, "aclfile");
      if (reportedUnknown(ctx, auth, `${at}: requirepass`)) continue;
      if (auth === true || (auth === undefined && isKnown(aclfile))) continue;
      ctx.violation(
        `${at}: Redis has no password (${redis.settings.openDefaultUser ? "the ACL says `user default on nopass`" : "no requirepass"}).`,
      );
    }
  },
);
