// How far a container's ports reach: host networking, -P, Swarm ingress, all interfaces, a public address.
import type { Port } from "../model/extraction";
import { reportedUnknown, type Context } from "./rule";
import { isKnown, type Val } from "../parse/propertyValues";

export interface Exposable {
  readonly origin: string;
  readonly ports: Val<Port[]>;
  readonly publishAll: Val<boolean>;
  readonly networkMode: Val<string>;
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]", "*"]);

/**
 * Report each way `what` (e.g. "Redis", possessive "Redis'") is reachable beyond loopback and private networks.
 * Returns true when an unknown value stopped the check (already reported), so the caller skips what depends on it.
 */
export function reportPublicExposure<C>(
  ctx: Context<C>,
  e: Exposable,
  what: { readonly name: string; readonly possessive: string },
  allowedHostIps: readonly string[],
): boolean {
  const at = e.origin;
  if (reportedUnknown(ctx, e.networkMode, `${at}: the network mode`)) return true;
  if (e.networkMode === "host")
    ctx.violation(`${at}: runs with host networking, so ${what.name} listens on every interface of the host.`);
  if (reportedUnknown(ctx, e.publishAll, `${at}: publish-all`)) return true;
  if (e.publishAll === true)
    ctx.violation(`${at}: publishes all exposed ports (-P) on every host interface, ${what.possessive} included.`);
  if (reportedUnknown(ctx, e.ports, `${at}: the published ports`)) return true;
  for (const p of e.ports ?? []) {
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
      ctx.violation(`${at}: publishes ${what.name} on ${ip}, a public address.`);
  }
  return false;
}

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
