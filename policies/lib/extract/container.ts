// docker.Container: its own properties (memory, memorySwap and memoryReservation in MiB) and uploads. A container
// created with `start: false` never runs: it is no container to the rules, only the files its uploads put into named
// volumes (a "carrier" that delivers config to a container whose root filesystem is read-only).
import { readLocal, type DeliveredFile } from "./assets";
import { emptyExtraction, type Bind, type Extraction, type HostFile, type Port } from "../model/extraction";
import { MiB } from "../parse/sizes";
import {
  bool,
  isKnown,
  isRecord,
  isSentinel,
  isUnknown,
  list,
  num,
  str,
  stringMap,
  strings,
  Unknown,
  type Val,
} from "../parse/propertyValues";
import { at1, checkTests, joinArgv } from "./containerFields";

// docker.Container (memory/memorySwap/memoryReservation in MiB)

const mibToBytes = (v: Val<number>): Val<number> => (isKnown(v) ? (v === 0 ? undefined : v * MiB) : v);

export async function fromContainer(p: unknown, host: Val<string>): Promise<Extraction> {
  const ex = emptyExtraction();
  const swap = num(p, "memorySwap");
  const entry = strings(p, "entrypoints");
  const command = strings(p, "command");
  const hcRaw = at1(p, "healthcheck");
  const healthcheck = isSentinel(hcRaw)
    ? new Unknown("healthcheck")
    : isRecord(hcRaw)
      ? checkTests(list(p, "healthcheck.tests"))
      : "absent";
  const files: DeliveredFile[] = [];
  const uploads = list(p, "uploads");
  if (isUnknown(uploads)) ex.opaque.push(new Unknown("uploads"));
  for (const [i, u] of (isKnown(uploads) ? uploads : []).entries()) {
    const file = str(u, "file");
    if (!isKnown(file)) continue;
    const content = str(u, "content");
    const b64 = str(u, "contentBase64");
    const source = str(u, "source");
    let text: string | Unknown;
    if (isKnown(content)) text = content;
    else if (isKnown(b64)) text = Buffer.from(b64, "base64").toString("utf8");
    else if (isKnown(source)) text = await readLocal(source, `uploads[${i}].source`);
    else
      text = isUnknown(content)
        ? new Unknown(`uploads[${i}].content`)
        : isUnknown(b64)
          ? new Unknown(`uploads[${i}].contentBase64`)
          : new Unknown(`uploads[${i}]`, "has no content the pack can read");
    files.push({ path: file, content: text });
  }
  if (bool(p, "start") === false) {
    ex.files.push(...volumeFiles(p, files, host));
    return ex;
  }
  ex.containers.push({
    origin: "docker.Container",
    kind: "container",
    host,
    name: str(p, "name"),
    image: str(p, "image"),
    replicas: 1,
    memory: mibToBytes(num(p, "memory")),
    memorySwap: isKnown(swap) && swap === -1 ? -1 : mibToBytes(swap),
    swapSettable: true,
    memoryReservation: mibToBytes(num(p, "memoryReservation")),
    oomKillDisable: undefined,
    oomScoreAdj: undefined,
    privileged: bool(p, "privileged"),
    capAdd: strings(p, "capabilities.adds"),
    restart: restartOf(str(p, "restart"), num(p, "maxRetryCount")),
    healthcheck,
    logDriver: str(p, "logDriver"),
    logOpts: stringMap(p, "logOpts"),
    ports: containerPorts(p),
    publishAll: bool(p, "publishAllPorts"),
    networkMode: str(p, "networkMode"),
    argv: joinArgv(entry, command),
    files,
    binds: containerBinds(p),
  });
  return ex;
}

/** docker.Container restart + maxRetryCount → "on-failure:N" like `docker run --restart`. */
function restartOf(restart: Val<string>, retries: Val<number>): Val<string> {
  return restart === "on-failure" && isKnown(retries) && retries > 0 ? `on-failure:${retries}` : restart;
}

/** Where the files of named volume `name` are indexed beside host files (never an absolute host path). */
export const volumeSource = (name: string): string => `volume:${name}`;

/**
 * `volumes[]` with a `hostPath` (host files another resource may deliver) or a `volumeName` (files another
 * container's uploads put there): what the container sees of them.
 */
function containerBinds(p: unknown): Bind[] {
  const volumes = list(p, "volumes");
  if (!isKnown(volumes)) return [];
  const out: Bind[] = [];
  for (const [i] of volumes.entries()) {
    const hostPath = str(p, `volumes.${i}.hostPath`);
    const volume = str(p, `volumes.${i}.volumeName`);
    const target = str(p, `volumes.${i}.containerPath`);
    if (!isKnown(target)) continue;
    if (isKnown(hostPath) && hostPath.startsWith("/")) out.push({ source: hostPath, target });
    else if (isKnown(volume) && volume !== "") out.push({ source: volumeSource(volume), target });
  }
  return out;
}

/** A never-started container's uploads that land in one of its named volumes, as that volume's files. */
function volumeFiles(p: unknown, files: readonly DeliveredFile[], host: Val<string>): HostFile[] {
  const volumes = containerBinds(p).filter((b) => b.source.startsWith("volume:"));
  const out: HostFile[] = [];
  for (const f of files) {
    // The deepest mount holding the file is where it lands.
    const holder = volumes
      .map((v) => ({ ...v, dir: v.target.replace(/\/+$/, "") }))
      .filter((v) => f.path.startsWith(v.dir + "/"))
      .sort((a, b) => b.dir.length - a.dir.length)[0];
    if (holder)
      out.push({
        ...f,
        path: `${holder.source}/${f.path.slice(holder.dir.length + 1)}`,
        origin: `uploads of never-started docker.Container "${String(str(p, "name"))}" (file ${f.path})`,
        host,
      });
  }
  return out;
}

function containerPorts(p: unknown): Val<Port[]> {
  const ports = list(p, "ports");
  if (!isKnown(ports)) return ports;
  return ports.map((_, i) => ({
    // The provider's default ip is 0.0.0.0: every interface.
    hostIp: str(p, `ports.${i}.ip`),
    hostPort: str(p, `ports.${i}.external`),
    containerPort: str(p, `ports.${i}.internal`),
  }));
}
