// command:local|remote:Command: docker run/create/update in create/update/delete, files the scripts write,
// sysctl calls; scripts read as shell words, `sh -c` scripts included.
import { basename, readScript, unreadScript, type Invocation } from "../parse/commandLine";
import { shortPort } from "../parse/composeFile";
import { cliHardening, composeFilesOf, lastFlag, parseDockerCommand, type DockerInvocation } from "../parse/dockerCli";
import { filesWritten, settingsFromInvocations } from "../model/deliveredFiles";
import { hostOfDockerUrl } from "../model/dockerHosts";
import {
  emptyExtraction,
  type Arg,
  type Bind,
  type ContainerSpec,
  type Extraction,
  type HostFile,
  type Port,
} from "../model/extraction";
import { parseDockerSize } from "../parse/sizes";
import type { Word } from "../parse/shell";
import { isKnown, isUnknown, str, stringMap, strings, Unknown, type Val } from "../parse/propertyValues";
import { boundFiles } from "./boundFiles";
import { addHostFiles } from "./hostFiles";

// command:local:Command / command:remote:Command

const SCRIPTS = ["create", "update", "delete"] as const;
const SHELL_INTERPRETERS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh"]);

export async function fromCommand(p: unknown, host: Val<string>, local: boolean): Promise<Extraction> {
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
    for (const inv of reading.invocations) {
      for (const w of composeFilesOf(inv.argv) ?? []) {
        if (w.dynamic)
          ex.opaque.push(
            new Unknown(`${key}: compose file ${w.text}`, "comes from the shell environment (not visible)"),
          );
        else ex.composeRefs.push({ path: w.text, host });
      }
    }
  }
  addHostFiles(ex, hostFiles, ex.composeRefs);
  for (const [key, invocations] of readings) {
    for (const inv of invocations) {
      if (inv.argv[0]!.dynamic) {
        ex.opaque.push(
          new Unknown(
            `${key}: \`${shorten(inv.command.text)}\``,
            `runs ${inv.argv[0]!.text}, a program named by the shell environment at run time (not visible)`,
          ),
        );
        continue;
      }
      const unread = unreadScript(inv);
      if (unread) ex.opaque.push(new Unknown(`${key}: \`${shorten(inv.command.text)}\``, unread));
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
    binds: cliBinds(inv),
    script,
    hardening: cliHardening(inv),
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
function cliBinds(inv: DockerInvocation): Bind[] {
  const out: Bind[] = [];
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
