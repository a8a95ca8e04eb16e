// Which addresses a published port may bind to without reaching the internet. Link-local (169.254/16, fe80::/10)
// is not private: cloud metadata services live there and a link can span more than the host's own network.
import { isIPv4, isIPv6 } from "node:net";

/** The form both packages name in their messages. */
export const PRIVATE_RANGES = "loopback (127/8, ::1), 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7";

/** 127/8 or ::1. */
export function isLoopback(address: string): boolean {
  const v = bare(address);
  return v === "::1" || (isIPv4(v) && v.startsWith("127."));
}

/** Loopback, RFC 1918, 100.64/10 (carrier-grade NAT, where Tailscale and similar overlays live) or fc00::/7. */
export function isPrivateAddress(address: string): boolean {
  const v = bare(address);
  if (isLoopback(v)) return true;
  if (isIPv6(v)) {
    // fc00::/7: the first hextet written in full as fcXX/fdXX ("fd::1" is 00fd:…, not in the range).
    const first = v.split(":")[0]!;
    return first.length === 4 && /^f[cd]/i.test(first);
  }
  if (!isIPv4(v)) return false;
  const [a, b] = v.split(".").map(Number) as [number, number];
  return (
    a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
  );
}

/** "0.0.0.0" and "::": every interface. */
export const isWildcard = (address: string): boolean => ["0.0.0.0", "::"].includes(bare(address));

const bare = (address: string): string =>
  address
    .trim()
    .replace(/^\[|\]$/g, "")
    .toLowerCase();
