import * as os from "os";
import { describeHost, LOCAL } from "../lib/model/dockerHosts";
import { stackRule, reportedUnknown } from "../lib/ruleKit/rule";
import { formatBytes, MiB, parseConfigSize } from "../lib/parse/sizes";
import { stackView } from "../lib/model/stackView";
import { where } from "../lib/ruleKit/subjects";
import type { ContainerSpec } from "../lib/model/extraction";
import { isKnown, isRecord, Unknown } from "../lib/parse/propertyValues";
import { RESERVE_FIXED_BYTES, RESERVE_SHARE } from "../contract/plan";

interface Config {
  hosts: Record<string, { memory?: string | number; reserve?: string | number }>;
  defaultReserve: string | number;
  reserveShare: number;
  useLocalMachineMemory: boolean;
}

export const hostMemoryBudget = stackRule<Config>(
  {
    name: "host-memory-budget",
    description:
      "On every Docker host, the sum of container memory limits (× replicas) plus the host reserve fits in the host's RAM.",
    config: {
      hosts: {
        type: "object",
        default: {},
        description:
          'RAM and reserve per host key ("local", "10.0.0.5", "10.0.0.5:2222"), e.g. {"10.0.0.5": {"memory": "2GiB", "reserve": "384MiB"}}. A queuekit:host:VpsHost in the stack takes precedence.',
      },
      defaultReserve: {
        type: ["string", "number"],
        default: `${RESERVE_FIXED_BYTES / MiB}MiB`,
        description:
          "Fixed part of the reserve for the OS, dockerd, containerd and sshd when neither VpsHost nor `hosts` gives one.",
      },
      reserveShare: {
        type: "number",
        minimum: 0,
        maximum: 1,
        default: RESERVE_SHARE,
        description: `Share of RAM added to defaultReserve for the kernel and page cache (the kit uses ${RESERVE_SHARE}).`,
      },
      useLocalMachineMemory: {
        type: "boolean",
        default: true,
        description:
          "For the local host without a VpsHost or `hosts` entry, use the RAM of the machine running the preview.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "critical",
    remediation:
      "Lower container limits or replicas, or move containers to another host, until Σ limits + reserve ≤ RAM (`npm run plan` shows the kit's budget). Declare each host's RAM with the kit's VpsHost or the pack config `hosts`. Limits that add up to more than the host has are not limits: under load the host's OOM killer, not the containers', decides what dies.",
  },
  async (resources, ctx) => {
    const { hosts: declared, useLocalMachineMemory, reserveShare } = ctx.config;
    const view = await stackView(resources);
    for (const u of view.unplaced) ctx.unknown(u.item, `${u.resource}: which host's budget it counts against`, u.urn);
    for (const host of view.hosts.values()) {
      if (host.containers.length === 0) continue;
      const name = describeHost(host.key);
      const vps = host.vps[0];
      const decl = isRecord(declared) ? declared[host.key] : undefined;
      let ram = vps?.item.memoryBytes ?? parseConfigSize(decl?.memory);
      if (ram === undefined && host.key === LOCAL && useLocalMachineMemory) ram = os.totalmem();
      if (ram === undefined)
        ram = new Unknown(
          `the RAM of ${name}`,
          "is not declared: no queuekit:host:VpsHost for it and no `hosts` entry in the pack config",
        );
      if (reportedUnknown(ctx, ram, `${name}: the host's RAM`, vps?.urn)) continue;
      let reserve = vps?.item.reserveBytes ?? parseConfigSize(decl?.reserve);
      if (reportedUnknown(ctx, reserve, `${name}: the host reserve`, vps?.urn)) continue;
      // Rounded up to whole MiB, as the kit's planner rounds its reserve.
      reserve ??=
        Math.ceil(((parseConfigSize(ctx.config.defaultReserve) ?? RESERVE_FIXED_BYTES) + ram * reserveShare) / MiB) *
        MiB;

      let total = reserve;
      const unbounded: string[] = [];
      const lines: [number, string][] = [];
      let unknown = false;
      for (const { item: c, urn, resource } of host.containers) {
        if (
          reportedUnknown(ctx, c.memory, `${label(resource, c)}: the memory limit counted in ${name}'s budget`, urn)
        ) {
          unknown = true;
          continue;
        }
        if (reportedUnknown(ctx, c.replicas, `${label(resource, c)}: the replica count`, urn)) {
          unknown = true;
          continue;
        }
        if (c.memory === undefined) {
          unbounded.push(label(resource, c));
          continue;
        }
        const n = isKnown(c.replicas) ? c.replicas : 1;
        total += c.memory * n;
        lines.push([c.memory * n, `${label(resource, c)}: ${n > 1 ? `${n} × ` : ""}${formatBytes(c.memory)}`]);
      }
      const source = vps ? "VpsHost" : decl ? "pack config" : "this machine";
      if (unbounded.length) {
        ctx.violation(
          `${name} (${formatBytes(ram)}, from ${source}): ${unbounded.length} container(s) have no memory limit, so the budget is unbounded: ${unbounded.join("; ")}.`,
          vps?.urn,
        );
      } else if (!unknown && total > ram) {
        const top = lines
          .sort((a, b) => b[0] - a[0])
          .slice(0, 8)
          .map(([, t]) => t);
        ctx.violation(
          `${name}: limits ${formatBytes(total - reserve)} + reserve ${formatBytes(reserve)} = ${formatBytes(total)} exceed its ${formatBytes(ram)} of RAM (from ${source}) by ${formatBytes(total - ram)}. Largest: ${top.join("; ")}.`,
          vps?.urn,
        );
      }
    }
  },
);

/** The resource, and the container in it when that says more than the resource's name. */
function label(resource: string, c: ContainerSpec): string {
  const w = where(c);
  return w === `${c.origin} "${resource}"` ? w : `${resource} (${w})`;
}
