// Where a host's Docker provider connects: the local engine, or a VPS's engine over SSH.
import type * as docker from "@pulumi/docker";
import type { Connection } from "../config/types";

/** The local engine at `localDockerHost`; a VPS's engine over SSH (the docker CLI's ssh:// transport). */
export function dockerEngine(connection: Connection, localDockerHost: string): docker.ProviderArgs {
  if (connection.kind === "local") return { host: localDockerHost };
  return {
    host: `ssh://${connection.user}@${connection.host}:${connection.port}`,
    // BatchMode: no one is there to answer a password or host-key prompt; fail with ssh's message instead.
    sshOpts: ["-o", "BatchMode=yes", ...connection.sshOptions],
  };
}

/** A broker URL at an address (IPv6 in brackets), the password kept secret; rediss:// with redis.tls. */
export const brokerUrlAt = (password: string, address: string, port: number, tls = false): string =>
  `${tls ? "rediss" : "redis"}://:${password}@${address.includes(":") ? `[${address}]` : address}:${port}/0`;
