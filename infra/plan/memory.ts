// Planned sizes both ways (bytes for arithmetic, MiB for Docker's provider), for the planner and side descriptors.
import { MiB } from "../config/units";
import type { ContainerMemory, Size } from "./types";

export const sizeOf = (bytes: number): Size => ({ bytes, mib: bytes / MiB });

/**
 * CPU weight by role (cgroup cpu.shares; 1024 is Docker's default): when the CPUs are saturated the broker answers
 * first (every worker waits on it), short tasks run before memory-heavy ones, the exporter last.
 */
export const CPU_SHARES = { redis: 2048, all: 1024, light: 1024, heavy: 512, side: 256 } as const;

/** A container's limit and memorySwap, equal (no swap) unless `swap` bytes are allowed on top, and its CPU weight. */
export const containerMemory = (limit: number, cpuShares: number, swap = 0): ContainerMemory => ({
  limit: sizeOf(limit),
  memorySwap: sizeOf(limit + swap),
  cpuShares,
});
