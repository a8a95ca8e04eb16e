import { MiB } from "../config/units";
import { containersOf } from "./planner";
import { concurrencyText, cpusText, groupDigits, percentOf } from "./describe";
import { textTable } from "./textTable";
import type { MemoryPlan, WorkerPoolPlan } from "./types";

const mib = (bytes: number): string => String(Math.round((bytes / MiB) * 10) / 10);

function poolNote(w: WorkerPoolPlan): string {
  const { parent, perUnit, margin } = w.budget;
  const sizing = `${w.pool}, ${concurrencyText(w)}: parent ${mib(parent)} + ${w.concurrency} × ${mib(perUnit)} + margin ${mib(margin)} MiB`;
  const recycle =
    w.pool === "prefork"
      ? `; max-memory-per-child ${w.maxMemoryPerChildKiB} KiB, max-tasks-per-child ${w.maxTasksPerChild}`
      : "";
  const swap = w.memorySwap.bytes > w.limit.bytes ? `; swap ${mib(w.memorySwap.bytes - w.limit.bytes)} MiB` : "";
  return sizing + recycle + swap;
}

function backlogNote(plan: MemoryPlan): string {
  const byTask = Object.entries(plan.redis.backlog?.byTask ?? {})
    .map(([task, t]) => `${groupDigits(t.messages)} × ${task} (${t.messageBytes} B)`)
    .join(", ");
  return `backlog before Redis refuses writes: ${byTask}`;
}

/** The plan as a text table: per container and total, in MiB, bytes and % of the host. */
export function renderPlanTable(plan: MemoryPlan, title: string): string {
  const host = plan.host.memory.bytes;
  const row = (name: string, each: string, replicas: string, bytes: number, note: string) => [
    name,
    each,
    replicas,
    mib(bytes),
    groupDigits(bytes),
    percentOf(bytes, host),
    note,
  ];
  const rows = [
    row("reserve", "", "", plan.host.reserve.bytes, "OS, dockerd/containerd and shims, sshd, kernel, page cache"),
    ...containersOf(plan).flatMap((c) => [
      row(
        c.kind === "worker" ? `worker ${c.name}` : c.name,
        String(c.memory.limit.mib),
        `×${c.replicas}`,
        c.memory.limit.bytes * c.replicas,
        c.kind === "worker"
          ? poolNote(c.pool)
          : c.kind === "redis"
            ? `maxmemory ${plan.redis.maxmemory.mib} MiB (${plan.redis.maxmemoryRatio * 100}%, persistence ${plan.redis.persistence}), ${plan.redis.policy}`
            : "monitoring.memory",
      ),
      ...(c.kind === "worker" ? [["", "", "", "", "", "", `↳ ${c.pool.why}`]] : []),
      ...(c.kind === "redis" && plan.redis.backlog ? [["", "", "", "", "", "", `↳ ${backlogNote(plan)}`]] : []),
    ]),
    row("headroom", "", "", plan.headroom.bytes, "unclaimed: page cache, room to grow"),
    row("host", "", "", host, cpusText(plan.host.cpus)),
  ];
  return [
    `queuekit memory plan — ${title}`,
    "",
    textTable(["component", "limit MiB", "", "total MiB", "bytes", "% host", "notes"], rows, [
      "l",
      "r",
      "l",
      "r",
      "r",
      "r",
      "l",
    ]),
  ].join("\n");
}
