import { MiB } from "../config/units";
import { containersOf, kindOf } from "./containers";
import { cpusText, groupDigits, percentOf } from "./describe";
import { textTable } from "./textTable";
import type { HostMemoryPlan } from "./types";

const mib = (bytes: number): string => String(Math.round((bytes / MiB) * 10) / 10);

/** The plan as a text table: per container and total, in MiB, bytes and % of the host. */
export function renderPlanTable(plan: HostMemoryPlan, title: string): string {
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
    ...containersOf(plan).flatMap((c) => {
      const kind = kindOf(c);
      const [note, ...more] = kind.notes(c, plan);
      return [
        row(kind.label(c), String(c.memory.limit.mib), `×${c.replicas}`, c.memory.limit.bytes * c.replicas, note),
        ...more.map((line) => ["", "", "", "", "", "", `↳ ${line}`]),
      ];
    }),
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
