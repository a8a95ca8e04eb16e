import { redisServersOf } from "../lib/kit";
import { setting } from "../lib/redisModel";
import { resourceRule, reportedUnknown } from "../lib/rule";
import { REDIS_TYPES } from "../lib/subjects";
import { isKnown } from "../lib/values";

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]", "*"]);

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
      const at = redis.origin;
      if (reportedUnknown(ctx, redis.networkMode, `${at}: the network mode`)) continue;
      if (redis.networkMode === "host")
        ctx.violation(`${at}: runs with host networking, so Redis listens on every interface of the host.`);
      if (reportedUnknown(ctx, redis.publishAll, `${at}: publish-all`)) continue;
      if (redis.publishAll === true)
        ctx.violation(`${at}: publishes all exposed ports (-P) on every host interface, Redis' included.`);
      if (reportedUnknown(ctx, redis.ports, `${at}: the published ports`)) continue;
      for (const p of redis.ports ?? []) {
        if (p.everywhere) {
          ctx.violation(
            `${at}: publishes port ${String(p.hostPort ?? p.containerPort)} through the Swarm ingress, on every node's every interface.`,
          );
          continue;
        }
        if (reportedUnknown(ctx, p.hostIp, `${at}: the address a port is published on`)) continue;
        const ip = (p.hostIp ?? "").trim();
        if (WILDCARDS.has(ip))
          ctx.violation(
            `${at}: publishes port ${isKnown(p.hostPort) ? p.hostPort : isKnown(p.containerPort) ? p.containerPort : "?"} on ${ip || "all interfaces (no address given)"}.`,
          );
        else if (!isPrivate(ip) && !allowedHostIps.includes(ip))
          ctx.violation(`${at}: publishes Redis on ${ip}, a public address.`);
      }
      if (!requireAuth) continue;
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

/** Loopback, RFC 1918, CGNAT, link-local, IPv6 loopback/ULA/link-local. */
export function isPrivate(ip: string): boolean {
  const v = ip.replace(/^\[|\]$/g, "").toLowerCase();
  if (v === "localhost" || v === "::1" || /^f[cd][0-9a-f]{2}:/.test(v) || v.startsWith("fe80:")) return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254)
  );
}
