// How far a container's ports reach: host networking, -P, Swarm ingress, all interfaces, a public address.
import type { Port } from "../model/extraction";
import { reportedUnknown, type Context } from "./rule";
import { isKnown, type Val } from "../parse/propertyValues";
import { isPrivateAddress } from "../../contract/addresses";

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

/** "localhost" or an address in the contract's private ranges (link-local is not one of them). */
export const isPrivate = (ip: string): boolean => ip.trim().toLowerCase() === "localhost" || isPrivateAddress(ip);
