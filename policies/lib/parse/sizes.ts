// Memory sizes in the three notations the pack reads, all to bytes.

import { GiB, KiB, MiB } from "../../contract/units";

export { GiB, KiB, MiB };

const BINARY: Record<string, number> = { "": 1, k: KiB, m: MiB, g: GiB, t: 1024 * GiB, p: 1024 * 1024 * GiB };

/**
 * Docker CLI and Compose sizes (`-m 512m`, `mem_limit: 1g`, `memswap_limit: 1536MiB`): go-units RAMInBytes —
 * binary multiples, the unit letter optionally followed by `i` and/or `b`, case-insensitive. A bare number is bytes.
 */
export function parseDockerSize(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s?([kmgtp])?i?b?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * BINARY[(m[2] ?? "").toLowerCase()]!);
}

/** redis.conf / redis-server sizes: `1k` = 1000, `1kb` = 1024 (and m/mb, g/gb), case-insensitive; bare = bytes. */
export function parseRedisSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(k|kb|m|mb|g|gb|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  const factor: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: KiB, m: 1e6, mb: MiB, g: 1e9, gb: GiB };
  return Number(m[1]) * factor[unit]!;
}

/** Pack config sizes: a number of bytes, or a string in the Docker notation ("512MiB", "2GiB", "1g"). */
export function parseConfigSize(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string") return parseDockerSize(value);
  return undefined;
}

/** "512 MiB", "1.5 GiB", "900 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const abs = Math.abs(bytes);
  if (abs >= GiB) return `${trim(bytes / GiB)} GiB`;
  if (abs >= MiB) return `${trim(bytes / MiB)} MiB`;
  if (abs >= KiB) return `${trim(bytes / KiB)} KiB`;
  return `${bytes} B`;
}

const trim = (n: number): string =>
  Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
