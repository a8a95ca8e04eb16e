// Where a stack's host state lives and how the host is named: shared by the steps, the component and the tests.
import type { Connection } from "../../config/types";

/** Where a stack's host state lives; names carry the stack so two stacks (or a test) never share a file. */
export function hostPaths(stack: string) {
  return {
    state: `/var/lib/queuekit/${stack}`,
    sysctl: `/etc/sysctl.d/90-queuekit-${stack}.conf`,
    thpUnit: `/etc/systemd/system/queuekit-thp-${stack}.service`,
    swapFile: `/var/lib/queuekit/${stack}/swapfile`,
    cgroup: `/sys/fs/cgroup/memory/queuekit-${stack}`,
  } as const;
}

/** The cgroupParent Docker is given for an emulated host (cgroupfs driver: relative to each controller's root). */
export const cgroupParentOf = (stack: string): string => `/queuekit-${stack}`;

/** How the scripts and errors name the host: "root@203.0.113.10:22", or "localhost". */
export function targetLabel(connection: Connection): string {
  return connection.kind === "ssh" ? `${connection.user}@${connection.host}:${connection.port}` : "localhost";
}
