// Pure parsers for what the doctor reads: Redis INFO, /proc/swaps, `docker stats` sizes, the host probe, worker logs.
import type { SwapEntry } from "./types";

/** `INFO all` text → key → value (sections and blank lines dropped). */
export function parseRedisInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) info[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return info;
}

/** `errorstat_OOM:count=3` → 3; 0 when absent. */
export function errorCount(info: Readonly<Record<string, string>>, error: string): number {
  const match = /count=(\d+)/.exec(info[`errorstat_${error}`] ?? "");
  return match ? Number(match[1]) : 0;
}

/** The selected value of a THP file: "always madvise [never]" → "never". */
export function selectedThp(line: string | undefined): string | undefined {
  return line === undefined ? undefined : /\[([a-z+]+)\]/.exec(line)?.[1];
}

/** /proc/swaps → the active swap files and devices, sizes in KiB. */
export function parseSwaps(text: string): SwapEntry[] {
  return text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 3 && /^\d+$/.test(cols[2]))
    .map((cols) => ({ file: cols[0], kib: Number(cols[2]) }));
}

const DOCKER_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
};

/** A `docker stats` size ("95.65MiB", "1.2GiB", "512B") → bytes; undefined for anything else. */
export function parseDockerSize(text: string): number | undefined {
  const match = /^\s*([\d.]+)\s*([A-Za-z]+)\s*$/.exec(text);
  const factor = match ? DOCKER_UNITS[match[2]] : undefined;
  return match && factor ? Math.round(Number(match[1]) * factor) : undefined;
}

/** `docker stats` MemUsage "95.65MiB / 669MiB" → the usage in bytes. */
export const usageOf = (memUsage: string): number | undefined => parseDockerSize(memUsage.split("/")[0] ?? "");

/** The host probe's `key=value` lines (see gather.ts) → key → value. */
export function parseProbe(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return values;
}

/** A whole number, or undefined for "", "-" and anything else. */
export function intOf(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/**
 * In a Celery worker's logs: children recycled by --max-memory-per-child (billiard: "child process exiting after
 * exceeding memory limit"), and children that died of a signal ("Process 'ForkPoolWorker-3' pid:41 exited with
 * 'signal 9 (SIGKILL)'": an OOM kill at the container's limit, most often).
 */
export function workerLogEvents(logs: string): { recycles: number; childDeaths: number } {
  const count = (re: RegExp) => logs.split("\n").filter((line) => re.test(line)).length;
  return {
    recycles: count(/exceeding memory limit/),
    childDeaths: count(/Process '[^']*' pid:\d+ exited with 'signal \d+/),
  };
}
