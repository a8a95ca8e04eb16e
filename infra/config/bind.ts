import { isIPv4, isIPv6 } from "node:net";

export const BIND_FORM =
  '"none" (Docker network only), a loopback address ("127.0.0.1", "::1") or a private one (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)';

/** Why `what` (Redis, or its metrics) may not be published on this address, or undefined when it may. */
export function bindProblem(address: unknown, what = "Redis"): string | undefined {
  if (address === "none") return undefined;
  if (typeof address !== "string" || !(isIPv4(address) || isIPv6(address)))
    return `not an IP address; use ${BIND_FORM}`;
  if (address === "0.0.0.0" || address === "::")
    return `publishes ${what} on every interface, the internet included; use ${BIND_FORM}`;
  if (isLoopback(address) || isPrivate(address)) return undefined;
  return `a public address: ${what} would be reachable from the internet; use ${BIND_FORM}`;
}

function isLoopback(address: string): boolean {
  return address === "::1" || (isIPv4(address) && address.startsWith("127."));
}

function isPrivate(address: string): boolean {
  if (isIPv6(address)) return /^f[cd][0-9a-f]{0,2}:/i.test(address);
  const [a, b] = address.split(".").map(Number);
  // RFC 1918 plus 100.64/10 (carrier-grade NAT, where Tailscale and similar overlays live).
  return (
    a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
  );
}
