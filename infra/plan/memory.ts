// Planned sizes both ways (bytes for arithmetic, MiB for Docker's provider), for the planner and side descriptors.
import { MiB } from "../config/units";
import type { ContainerMemory, Size } from "./types";

export const sizeOf = (bytes: number): Size => ({ bytes, mib: bytes / MiB });

/** A container's limit and memorySwap: equal (no swap) unless `swap` bytes are allowed on top. */
export const containerMemory = (limit: number, swap = 0): ContainerMemory => ({
  limit: sizeOf(limit),
  memorySwap: sizeOf(limit + swap),
});
