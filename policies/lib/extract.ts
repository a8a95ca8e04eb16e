// One resource → every container, file and host setting it brings to a Docker host (see model.ts).
//   docker:index/container:Container   its own properties (+ uploads)
//   docker:index/service:Service       taskSpec (Swarm)
//   command:local|remote:Command        docker run/create/update in create/update/delete, files the scripts write,
//                                       sysctl calls; scripts read as shell words, `sh -c` scripts included
//   command:remote:CopyToRemote|CopyFile  the files delivered: compose, daemon.json, redis.conf, sysctl…
import * as path from "path";
import { assetFiles, readLocal, type DeliveredFile } from "./assets";
import { basename, readScript, type Invocation } from "./commandLine";
import { parseCompose, shortPort, type ComposeService } from "./compose";
import { lastFlag, parseDockerCommand, type DockerInvocation } from "./dockerCli";
import { classify, filesWritten, settingsFromFile, settingsFromInvocations } from "./files";
import { hostOfConnection, hostOfDockerProvider, hostOfDockerUrl, LOCAL } from "./hosts";
import { emptyExtraction, type Arg, type ContainerSpec, type Extraction, type HostFile, type Port } from "./model";
import { MiB, parseDockerSize } from "./sizes";
import type { Word } from "./shell";
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
  unproxy,
  type Val,
} from "./values";

export const TYPES = {
  container: "docker:index/container:Container",
  service: "docker:index/service:Service",
  localCommand: "command:local:Command",
  remoteCommand: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
  copyFile: "command:remote:CopyFile",
  vpsHost: "queuekit:host:VpsHost",
  redisBroker: "queuekit:redis:RedisBroker",
  workerPool: "queuekit:celery:WorkerPool",
} as const;

/** The parts of a resource the pack reads (ResourceValidationArgs and PolicyResource both fit). */
export interface ResourceView {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly provider?: { readonly type: string; readonly props: unknown };
}

/** Everything `r` brings to a host. Never throws on odd input: what cannot be read is reported in `opaque`/`problems`. */
export async function extract(r: ResourceView): Promise<Extraction> {
  const props = unproxy(r.props);
  const provider = r.provider ? { type: r.provider.type, props: unproxy(r.provider.props) } : undefined;
  switch (r.type) {
    case TYPES.container:
      return fromContainer(props, hostOfDockerProvider(provider));
    case TYPES.service:
      return fromService(props, hostOfDockerProvider(provider));
    case TYPES.localCommand:
      return fromCommand(props, LOCAL, true);
    case TYPES.remoteCommand:
      return fromCommand(props, hostOfConnection(props), false);
    case TYPES.copyToRemote:
    case TYPES.copyFile:
      return fromCopy(r.type, props, hostOfConnection(props));
    default:
      return emptyExtraction();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// docker.Container (memory/memorySwap/memoryReservation in MiB)

const mibToBytes = (v: Val<number>): Val<number> => (isKnown(v) ? (v === 0 ? undefined : v * MiB) : v);

async function fromContainer(p: unknown, host: Val<string>): Promise<Extraction> {
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
  });
  return ex;
}

/** docker.Container restart + maxRetryCount → "on-failure:N" like `docker run --restart`. */
function restartOf(restart: Val<string>, retries: Val<number>): Val<string> {
  return restart === "on-failure" && isKnown(retries) && retries > 0 ? `on-failure:${retries}` : restart;
}

const at1 = (p: unknown, key: string): unknown => (isRecord(p) ? p[key] : undefined);

function checkTests(tests: Val<unknown[]>): Val<"set" | "disabled" | "absent"> {
  if (isUnknown(tests)) return tests;
  if (!tests || tests.length === 0) return "absent";
  return tests[0] === "NONE" ? "disabled" : "set";
}

function joinArgv(entry: Val<string[]>, command: Val<string[]>): Val<Arg[]> {
  if (isUnknown(entry)) return entry;
  if (isUnknown(command)) return command;
  if (!entry?.length && !command?.length) return undefined;
  return [...(entry ?? []), ...(command ?? [])].map((text) => ({ text, dynamic: false }));
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

// ---------------------------------------------------------------------------------------------------------------
// docker.Service (Swarm): memoryBytes in bytes; no swap setting; ports published through the ingress mesh

async function fromService(p: unknown, host: Val<string>): Promise<Extraction> {
  const ex = emptyExtraction();
  const ts = "taskSpec";
  const condition = str(p, `${ts}.restartPolicy.condition`);
  const global = at1(at1(p, "mode"), "global");
  const replicas = global === true ? 1 : num(p, "mode.replicated.replicas");
  const ports = list(p, "endpointSpec.ports");
  ex.containers.push({
    origin: "docker.Service",
    kind: "service",
    host,
    name: str(p, "name"),
    image: str(p, `${ts}.containerSpec.image`),
    replicas: replicas ?? 1,
    memory: zeroless(num(p, `${ts}.resources.limits.memoryBytes`)),
    memorySwap: undefined,
    swapSettable: false,
    memoryReservation: zeroless(num(p, `${ts}.resources.reservation.memoryBytes`)),
    oomKillDisable: undefined,
    oomScoreAdj: undefined,
    privileged: false,
    capAdd: strings(p, `${ts}.containerSpec.capAdds`),
    // Swarm's default condition is "any": restarted whatever the exit.
    restart:
      condition === undefined
        ? "always"
        : isUnknown(condition)
          ? condition
          : condition === "none"
            ? "no"
            : condition === "any"
              ? "always"
              : condition,
    healthcheck: checkTests(list(p, `${ts}.containerSpec.healthcheck.tests`)),
    logDriver: str(p, `${ts}.logDriver.name`),
    logOpts: stringMap(p, `${ts}.logDriver.options`),
    ports: isKnown(ports)
      ? ports.map((_, i) => ({
          hostIp: undefined,
          hostPort: str(p, `endpointSpec.ports.${i}.publishedPort`),
          containerPort: str(p, `endpointSpec.ports.${i}.targetPort`),
          everywhere: true,
        }))
      : ports,
    publishAll: undefined,
    networkMode: undefined,
    argv: joinArgv(strings(p, `${ts}.containerSpec.commands`), strings(p, `${ts}.containerSpec.args`)),
    files: [],
  });
  return ex;
}

const zeroless = (v: Val<number>): Val<number> => (isKnown(v) && v === 0 ? undefined : v);

// ---------------------------------------------------------------------------------------------------------------
// command:local:Command / command:remote:Command

const SCRIPTS = ["create", "update", "delete"] as const;
const SHELL_INTERPRETERS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh"]);

async function fromCommand(p: unknown, host: Val<string>, local: boolean): Promise<Extraction> {
  const ex = emptyExtraction();
  if (local) {
    const interpreter = strings(p, "interpreter");
    if (isUnknown(interpreter)) {
      ex.opaque.push(new Unknown("interpreter"));
      return ex;
    }
    if (interpreter?.length && !SHELL_INTERPRETERS.has(basename(interpreter[0]!))) {
      ex.opaque.push(new Unknown("create/update/delete", `are run by ${interpreter.join(" ")}, not a shell`));
      return ex;
    }
  }
  const env = new Map<string, string>();
  const environment = stringMap(p, "environment");
  if (isKnown(environment)) for (const [k, v] of Object.entries(environment)) env.set(k, v);

  const hostFiles: HostFile[] = [];
  const readings: [(typeof SCRIPTS)[number], Invocation[]][] = [];
  for (const key of SCRIPTS) {
    const script = str(p, key);
    if (script === undefined) continue;
    if (isUnknown(script)) {
      ex.opaque.push(new Unknown(`the ${key} command`));
      continue;
    }
    const reading = readScript(script, env);
    ex.problems.push(...reading.problems.map((m) => `${key}: ${m}`));
    readings.push([key, [...reading.invocations]]);
    for (const f of filesWritten(reading.invocations))
      hostFiles.push({ ...f, origin: `${key}: \`${shorten(f.path)}\` written by the script`, host });
    ex.hostSettings.push(
      ...settingsFromInvocations(reading.invocations).map((s) => ({ ...s, via: `${key}: ${s.via}`, host })),
    );
  }
  addHostFiles(ex, hostFiles);
  for (const [key, invocations] of readings) {
    for (const inv of invocations) {
      const docker = parseDockerCommand(inv.argv);
      if (!docker) continue;
      const where = `${key}: \`${shorten(inv.command.text)}\`${inv.command.line > 1 ? ` (line ${inv.command.line})` : ""}`;
      const dockerHost = docker.engineHost
        ? docker.engineHost.dynamic
          ? new Unknown(`docker -H ${docker.engineHost.text}`, "comes from the shell environment")
          : hostOfDockerUrl(docker.engineHost.text)
        : host;
      if (docker.unknownFlags.some((f) => f.startsWith("$"))) {
        ex.opaque.push(
          new Unknown(
            `${where}: ${docker.unknownFlags.filter((f) => f.startsWith("$")).join(" ")}`,
            "are options from the shell environment (not visible)",
          ),
        );
      }
      if (docker.verb === "update") ex.updates.push(fromDockerUpdate(docker, where));
      else ex.containers.push(fromDockerRun(docker, where, dockerHost, key, hostFiles));
    }
  }
  return ex;
}

const shorten = (s: string): string => {
  const one = s.replace(/\s*\\\n\s*/g, " ").replace(/\s+/g, " ");
  return one.length > 120 ? `${one.slice(0, 117)}…` : one;
};

function cliSize(w: Word | undefined, flag: string): Val<number> {
  if (!w) return undefined;
  if (w.dynamic) return new Unknown(`${flag} ${w.text}`, "comes from the shell environment at run time");
  if (w.text.trim() === "-1") return -1;
  const bytes = parseDockerSize(w.text);
  if (bytes === undefined) return new Unknown(`${flag} ${w.text}`, "is not a size Docker accepts");
  return bytes === 0 ? undefined : bytes;
}

function cliBool(inv: DockerInvocation, flag: string): Val<boolean> {
  const w = lastFlag(inv, flag);
  if (!w) return undefined;
  if (w.dynamic) return new Unknown(`--${flag}=${w.text}`, "comes from the shell environment");
  return w.text !== "false";
}

function cliWord(w: Word | undefined, what: string): Val<string> {
  if (!w) return undefined;
  return w.dynamic ? new Unknown(`${what} ${w.text}`, "comes from the shell environment") : w.text;
}

function fromDockerRun(
  inv: DockerInvocation,
  origin: string,
  host: Val<string>,
  script: ContainerSpec["script"],
  hostFiles: readonly HostFile[],
): ContainerSpec {
  const oom = lastFlag(inv, "oom-score-adj");
  const entry = lastFlag(inv, "entrypoint");
  const args: Arg[] = [...(entry ? [entry] : []), ...inv.args];
  const network = cliWord(lastFlag(inv, "network"), "--network");
  const logOpts: Record<string, string> = {};
  for (const w of inv.flags.get("log-opt") ?? []) {
    const eq = w.text.indexOf("=");
    if (eq > 0) logOpts[w.text.slice(0, eq)] = w.text.slice(eq + 1);
  }
  const ports: Port[] = (inv.flags.get("publish") ?? []).map((w) => {
    if (w.dynamic)
      return {
        hostIp: new Unknown(`-p ${w.text}`, "comes from the shell environment"),
        hostPort: undefined,
        containerPort: undefined,
      };
    const sp = shortPort(w.text);
    return { hostIp: sp.hostIp, hostPort: sp.hostPort, containerPort: sp.containerPort };
  });
  const health =
    inv.flags.has("no-healthcheck") && cliBool(inv, "no-healthcheck") === true
      ? "disabled"
      : inv.flags.has("health-cmd")
        ? "set"
        : "absent";
  return {
    origin,
    kind: "cli",
    host,
    name: cliWord(lastFlag(inv, "name"), "--name"),
    image: inv.image ? cliWord(inv.image, "image") : undefined,
    replicas: 1,
    memory: cliSize(lastFlag(inv, "memory"), "--memory"),
    memorySwap: cliSize(lastFlag(inv, "memory-swap"), "--memory-swap"),
    swapSettable: true,
    memoryReservation: cliSize(lastFlag(inv, "memory-reservation"), "--memory-reservation"),
    oomKillDisable: cliBool(inv, "oom-kill-disable"),
    oomScoreAdj: oom
      ? oom.dynamic
        ? new Unknown(`--oom-score-adj ${oom.text}`, "comes from the shell environment")
        : Number(oom.text)
      : undefined,
    privileged: cliBool(inv, "privileged"),
    capAdd: (inv.flags.get("cap-add") ?? []).map((w) => w.text),
    restart: cliWord(lastFlag(inv, "restart"), "--restart"),
    healthcheck: health,
    logDriver: cliWord(lastFlag(inv, "log-driver"), "--log-driver"),
    logOpts,
    ports,
    publishAll: cliBool(inv, "publish-all"),
    networkMode: network,
    argv: args.length ? args : undefined,
    files: boundFiles(cliBinds(inv), hostFiles, "/"),
    script,
  };
}

function fromDockerUpdate(inv: DockerInvocation, origin: string) {
  return {
    origin,
    containers: inv.args.map((w) => w.text),
    memory: cliSize(lastFlag(inv, "memory"), "--memory"),
    memorySwap: cliSize(lastFlag(inv, "memory-swap"), "--memory-swap"),
    memoryReservation: cliSize(lastFlag(inv, "memory-reservation"), "--memory-reservation"),
  };
}

/** `-v /host/path:/in/container[:ro]` and `--mount type=bind,source=…,target=…`. */
function cliBinds(inv: DockerInvocation): { source: string; target: string }[] {
  const out: { source: string; target: string }[] = [];
  for (const w of inv.flags.get("volume") ?? []) {
    const [source, target] = w.text.split(":");
    if (source?.startsWith("/") && target) out.push({ source, target });
  }
  for (const w of inv.flags.get("mount") ?? []) {
    const kv = Object.fromEntries(
      w.text.split(",").map((part) => [part.split("=")[0], part.split("=").slice(1).join("=")]),
    );
    const source = kv["source"] ?? kv["src"];
    const target = kv["target"] ?? kv["dst"] ?? kv["destination"];
    if (kv["type"] === "bind" && source && target) out.push({ source, target });
  }
  return out;
}

/** Host files (written or copied by the same resource) seen inside a container through its bind mounts. */
function boundFiles(
  binds: readonly { source: string; target: string }[],
  hostFiles: readonly HostFile[],
  base: string,
): DeliveredFile[] {
  const out: DeliveredFile[] = [];
  for (const b of binds) {
    const source = path.posix.resolve(base, b.source);
    for (const f of hostFiles) {
      if (f.path === source) out.push({ path: b.target, content: f.content, hostPath: f.path });
      else if (f.path.startsWith(source + "/"))
        out.push({
          path: path.posix.join(b.target, f.path.slice(source.length + 1)),
          content: f.content,
          hostPath: f.path,
        });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// command:remote:CopyToRemote / CopyFile

async function fromCopy(type: string, p: unknown, host: Val<string>): Promise<Extraction> {
  const ex = emptyExtraction();
  const remotePath = str(p, "remotePath");
  if (isUnknown(remotePath)) {
    ex.opaque.push(new Unknown("remotePath"));
    return ex;
  }
  const dest = remotePath ?? "";
  const files =
    type === TYPES.copyFile
      ? [{ path: dest, content: await readLocal(str(p, "localPath"), "localPath") }]
      : await assetFiles(at1(p, "source"), dest, "source");
  if (files instanceof Unknown) {
    ex.opaque.push(files);
    return ex;
  }
  addHostFiles(
    ex,
    files.map((f) => ({ ...f, origin: `\`${f.path}\``, host })),
  );
  return ex;
}

/** Record files that land on a host, with what they imply: compose services (seeing their sibling files), host settings. */
function addHostFiles(ex: Extraction, files: readonly HostFile[]): void {
  ex.files.push(...files);
  for (const f of files) {
    if (isUnknown(f.content)) {
      ex.opaque.push(f.content.relabel(`file ${f.path}`));
      continue;
    }
    const kind = classify(f.path, f.content);
    if (kind === "compose") {
      const compose = parseCompose(f.content);
      ex.problems.push(...compose.problems.map((m) => `${f.path}: ${m}`));
      for (const s of compose.services) ex.containers.push(fromComposeService(s, f, files));
    }
    ex.hostSettings.push(
      ...settingsFromFile({ path: f.path, content: f.content }).map((st) => ({ ...st, host: f.host })),
    );
  }
}

function composeSize(v: Val<string | number>, key: string): Val<number> {
  if (v === undefined || isUnknown(v)) return v;
  if (String(v).trim() === "-1") return -1;
  const bytes = parseDockerSize(v);
  if (bytes === undefined) return new Unknown(`${key}: ${v}`, "is not a size Compose accepts");
  return bytes === 0 ? undefined : bytes;
}

function fromComposeService(s: ComposeService, file: HostFile, siblings: readonly HostFile[]): ContainerSpec {
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
  };
}
