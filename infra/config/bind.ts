import { isIPv4, isIPv6 } from "node:net";
import { isPrivateAddress } from "../../policies/contract/addresses";

export const BIND_FORM =
  '"none" (Docker network only), a loopback address ("127.0.0.1", "::1") or a private one (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)';

/** Why `what` (Redis, or its metrics) may not be published on this address, or undefined when it may. */
export function bindProblem(address: unknown, what = "Redis"): string | undefined {
  if (address === "none") return undefined;
  if (typeof address !== "string" || !(isIPv4(address) || isIPv6(address)))
    return `not an IP address; use ${BIND_FORM}`;
  if (address === "0.0.0.0" || address === "::")
    return `publishes ${what} on every interface, the internet included; use ${BIND_FORM}`;
  if (isPrivateAddress(address)) return undefined;
  return `a public address: ${what} would be reachable from the internet; use ${BIND_FORM}`;
}
