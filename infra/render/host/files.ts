// The files host preparation installs, rendered from the host config.
import type { HostConfig } from "../../config/types";
import { rotatedLogs } from "../logs";
import { fill, readTemplate } from "../template";
import type { HostRenderInput } from "./types";

/** The sysctl drop-in, as written to /etc/sysctl.d. */
export function renderSysctlDropIn(input: Pick<HostRenderInput, "stack" | "host" | "redisTcpBacklog">): string {
  const { sysctl } = input.host;
  return fill(readTemplate("host/sysctl.conf.tmpl"), {
    stack: input.stack,
    overcommitMemory: sysctl.overcommitMemory,
    swappiness: sysctl.swappiness,
    somaxconn: sysctl.somaxconn,
    tcpBacklog: input.redisTcpBacklog,
  });
}

/** The kernel values the drop-in sets, as `key=value` (what is recorded, applied and read back). */
export function sysctlValues(host: HostConfig): [string, number][] {
  return [
    ["vm.overcommit_memory", host.sysctl.overcommitMemory],
    ["vm.swappiness", host.sysctl.swappiness],
    ["net.core.somaxconn", host.sysctl.somaxconn],
  ];
}

/** The oneshot unit that sets THP at every boot. */
export function renderThpUnit(stack: string, mode: HostConfig["transparentHugePages"]): string {
  return fill(readTemplate("host/thp.service.tmpl"), { stack, mode });
}

/**
 * daemon.json: rotated json-file logs for every container (an unrotated log fills a small disk), and
 * live-restore so a restart of the engine (an upgrade, this file changing) leaves the queue running.
 */
export function renderDaemonJson(): string {
  const config = {
    "live-restore": true,
    "log-driver": rotatedLogs.logDriver,
    "log-opts": rotatedLogs.logOpts,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
