// Planned sizes both ways (bytes for arithmetic, MiB for Docker's provider), for the planner and side descriptors.
import { MiB } from "../config/units";
import type { ContainerMemory, Size } from "./types";

export const sizeOf = (bytes: number): Size => ({ bytes, mib: bytes / MiB });

/**
 * CPU weight by role (cgroup cpu.shares; 1024 is Docker's default): when the CPUs are saturated the broker answers
 * first (every worker waits on it) and the exporter last. Pools weigh the same: a heavy pool's tasks are the critical
 * path of a burst of them, a light pool's of a stream of short ones.
 */
export const CPU_SHARES = { redis: 2048, all: 1024, light: 1024, heavy: 1024, side: 256 } as const;

/** A container's limit and memorySwap, equal (no swap) unless `swap` bytes are allowed on top, and its CPU weight. */
export const containerMemory = (limit: number, cpuShares: number, swap = 0): ContainerMemory => ({
  limit: sizeOf(limit),
  memorySwap: sizeOf(limit + swap),
  cpuShares,
});
