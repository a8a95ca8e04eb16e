import type { ContainerMemory, WorkerPoolPlan } from "./types";
import { MiB } from "../config/units";

// Short texts shared by the table, the picture and the errors.

export const mibText = (bytes: number): string => `${bytes / MiB} MiB`;

/** "2 × 256 MiB": a container's replicas and limit. */
export const eachText = (c: { readonly replicas: number; readonly memory: ContainerMemory }): string =>
  `${c.replicas} × ${c.memory.limit.mib} MiB`;

export const percentOf = (bytes: number, whole: number): string => `${((bytes / whole) * 100).toFixed(1)}%`;

/** "concurrency 4 (auto)", "concurrency 50", "autoscale 8,2". */
export function concurrencyText(pool: WorkerPoolPlan): string {
  if (pool.pool === "prefork" && pool.autoscale) return `autoscale ${pool.autoscale.max},${pool.autoscale.min}`;
  return `concurrency ${pool.concurrency}${pool.auto ? " (auto)" : ""}`;
}

/** "536,870,912": grouped without depending on the machine's locale. */
export const groupDigits = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

export const cpusText = (cpus: number): string => `${cpus} cpu${cpus === 1 ? "" : "s"}`;
