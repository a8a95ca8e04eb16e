// A compose service as a container on the host its file lands on (sizes as Compose writes them).
import * as path from "path";
import type { ComposeService } from "../parse/composeFile";
import type { Arg, ContainerSpec, HostFile } from "../model/extraction";
import { parseDockerSize } from "../parse/sizes";
import { isKnown, isUnknown, Unknown, type Val } from "../parse/propertyValues";
import { boundFiles } from "./boundFiles";

function composeSize(v: Val<string | number>, key: string): Val<number> {
  if (v === undefined || isUnknown(v)) return v;
  if (String(v).trim() === "-1") return -1;
  const bytes = parseDockerSize(v);
  if (bytes === undefined) return new Unknown(`${key}: ${v}`, "is not a size Compose accepts");
  return bytes === 0 ? undefined : bytes;
}

export function fromComposeService(s: ComposeService, file: HostFile, siblings: readonly HostFile[]): ContainerSpec {
  const origin = `compose service "${s.name}" in ${file.path}`;
  const toArgs = (v: Val<string[]>): Val<Arg[]> => (isKnown(v) ? v.map((text) => ({ text, dynamic: false })) : v);
  const entry = toArgs(s.entrypoint);
  const command = toArgs(s.command);
  const argv: Val<Arg[]> = isUnknown(entry)
    ? entry
    : isUnknown(command)
      ? command
      : entry || command
        ? [...(entry ?? []), ...(command ?? [])]
        : undefined;
  return {
    origin,
    kind: "compose",
    host: file.host,
    name: s.name,
    image: s.image,
    replicas: s.replicas ?? 1,
    memory: composeSize(s.memLimit, "mem_limit"),
    memorySwap: composeSize(s.memswapLimit, "memswap_limit"),
    swapSettable: true,
    memoryReservation: composeSize(s.memReservation, "mem_reservation"),
    oomKillDisable: s.oomKillDisable,
    oomScoreAdj: s.oomScoreAdj,
    privileged: s.privileged,
    capAdd: s.capAdd,
    restart: s.restart,
    healthcheck: s.healthcheck,
    logDriver: s.logDriver,
    logOpts: s.logOptions,
    ports: isKnown(s.ports)
      ? s.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort }))
      : s.ports,
    publishAll: undefined,
    networkMode: s.networkMode,
    argv,
    files: boundFiles(s.binds, siblings, path.posix.dirname(file.path)),
    hardening: s.hardening,
    binds: s.binds.map((b) => ({
      source: path.posix.resolve(path.posix.dirname(file.path), b.source),
      target: b.target,
    })),
  };
}
