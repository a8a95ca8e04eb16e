// Where a stack's host state lives and how the host is named: shared by the steps, the component and the tests.
import type { Connection } from "../../config/types";

/**
 * What a host's paths are named by: the stack, or "<stack>:<host>" for a host of a several-host stack that is not
 * Redis' (":" is in no stack name, so no other stack's paths can collide). Redis' host and a one-host stack keep the
 * plain stack name: their paths, and so their step hashes, stay as they were and an existing stack is not replaced.
 */
export const hostInstance = (stack: string, hostName?: string): string =>
  hostName === undefined ? stack : `${stack}:${hostName}`;

/**
 * Where a stack's host state lives; names carry the stack (and `hostName` when given) so two stacks, a test, or two
 * hosts of one stack emulated on one machine never share a file.
 */
export function hostPaths(stack: string, hostName?: string) {
  const id = hostInstance(stack, hostName);
  return {
    state: `/var/lib/queuekit/${id}`,
    sysctl: `/etc/sysctl.d/90-queuekit-${id}.conf`,
    thpUnit: `/etc/systemd/system/queuekit-thp-${id}.service`,
    swapFile: `/var/lib/queuekit/${id}/swapfile`,
    cgroup: `/sys/fs/cgroup/memory/queuekit-${id}`,
  } as const;
}

/** The cgroupParent Docker is given for an emulated host (cgroupfs driver: relative to each controller's root). */
export const cgroupParentOf = (stack: string, hostName?: string): string =>
  `/queuekit-${hostInstance(stack, hostName)}`;

/** How the scripts and errors name the host: "root@203.0.113.10:22", or "localhost". */
export function targetLabel(connection: Connection): string {
  return connection.kind === "ssh" ? `${connection.user}@${connection.host}:${connection.port}` : "localhost";
}
