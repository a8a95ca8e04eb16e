// The numbers the kit's memory planner sizes with, which the pack's own checks and remediation texts quote.
import { MiB } from "./units";

/**
 * Share of the Redis container limit given to `maxmemory`, with or without persistence. Measured
 * (docs/memory-plan.md): when evictions turn result-key memory into queue memory, Redis' RSS reaches
 * 2× used_memory; 50% was OOM-killed.
 */
export const MAXMEMORY_RATIO = 0.4;

/** Fixed part of the host reserve: dockerd + containerd + shims + sshd/systemd (≈230 MiB RSS measured). */
export const RESERVE_FIXED_BYTES = 256 * MiB;

/** Share of the host's RAM added to the reserve for the kernel and page cache (1/16). */
export const RESERVE_SHARE = 1 / 16;

/** The default host reserve for `memory` bytes of RAM, rounded up to whole MiB. */
export const defaultReserve = (memory: number): number =>
  Math.ceil((RESERVE_FIXED_BYTES + memory * RESERVE_SHARE) / MiB) * MiB;
