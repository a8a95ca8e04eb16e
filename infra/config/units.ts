// Memory sizes in binary units. The kit talks to Docker, the kernel and Redis, which all count in
// powers of two, so "2GB" (10^9) and "2G" (GiB to Docker, 10^9 to Kubernetes) are refused, not guessed.

import { GiB, KiB, MiB } from "../../policies/contract/units";

export { GiB, KiB, MiB };

const UNITS: Readonly<Record<string, number>> = { B: 1, KiB, MiB, GiB };

export const SIZE_FORM = 'a size with a binary unit B, KiB, MiB or GiB, e.g. "512MiB", "2GiB", "1.5GiB"';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** Parses "512MiB", "2GiB", "1.5GiB", "2 GiB" into bytes; the reason names the accepted form. */
export function parseSize(input: unknown): Parsed<number> {
  if (input === undefined || input === null) return fail(`missing: write ${SIZE_FORM}`);
  if (typeof input === "number") {
    // A bare number could mean bytes (Docker API) or MiB (Pulumi's Docker provider): make it explicit.
    return fail(`a bare number is ambiguous (bytes? MiB?); write it with a unit, e.g. "${input}MiB" — ${SIZE_FORM}`);
  }
  if (typeof input !== "string") return fail(`expected ${SIZE_FORM}`);
  const match = /^\s*(-?)(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(input);
  if (!match) return fail(`expected ${SIZE_FORM}`);
  const [, minus, number, unit] = match;
  if (minus) return fail(`a size cannot be negative; write ${SIZE_FORM}`);
  const factor = UNITS[unit];
  if (factor === undefined) return fail(unitHint(number, unit));
  const bytes = Number(number) * factor;
  if (!Number.isSafeInteger(bytes)) return fail(`"${input}" is not a whole number of bytes; write ${SIZE_FORM}`);
  return ok(bytes);
}

// The binary unit a user most likely meant, keyed by the unit's first letter.
const MEANT: Readonly<Record<string, string>> = { b: "B", k: "KiB", m: "MiB", g: "GiB" };

function unitHint(number: string, unit: string): string {
  const meant = MEANT[unit.charAt(0).toLowerCase()];
  const suggestion = meant ? `write "${number}${meant}" — ` : "write ";
  if (unit === "") return `a bare number is ambiguous (bytes? MiB?); ${suggestion}${SIZE_FORM}`;
  if (/^[kmgt]b$/i.test(unit)) return `"${unit}" reads as a decimal unit (powers of 1000); ${suggestion}${SIZE_FORM}`;
  if (/^[kmg]?ib$/i.test(unit) || unit.toLowerCase() === "b")
    return `units are case-sensitive; ${suggestion}${SIZE_FORM}`;
  if (/^[kmgt]$/i.test(unit))
    return `"${unit}" is ambiguous (GiB to Docker, 10^9 to Kubernetes); ${suggestion}${SIZE_FORM}`;
  return `unknown unit "${unit}"; ${suggestion}${SIZE_FORM}`;
}

export const SHARE_FORM = 'a share of host.memory from 1% to 90%, e.g. "25%"';

/** Parses "25%" or "12.5%" into a fraction of the host (0.25). */
export function parseShare(input: string): Parsed<number> {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(input);
  if (!match) return fail(`expected ${SIZE_FORM}, or ${SHARE_FORM}`);
  const percent = Number(match[1]);
  if (percent < 1 || percent > 90) return fail(`expected ${SHARE_FORM}`);
  return ok(percent / 100);
}

/** Exact, shortest spelling of a byte count in the accepted form: 2GiB, 1536MiB, 100B. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ["GiB", GiB],
    ["MiB", MiB],
    ["KiB", KiB],
  ] as const) {
    if (bytes !== 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

export const floorMiB = (bytes: number): number => Math.floor(bytes / MiB) * MiB;
export const ceilMiB = (bytes: number): number => Math.ceil(bytes / MiB) * MiB;

/** A size or a share of `whole`, in whole MiB (a share is rounded down). */
export const bytesOf = (value: { readonly share: number } | { readonly bytes: number }, whole: number): number =>
  "share" in value ? floorMiB(whole * value.share) : value.bytes;
