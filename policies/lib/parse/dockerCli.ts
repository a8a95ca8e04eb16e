// `docker run | create | update` (and `docker container …`) argv → flags, image and command, the way the
// Docker CLI's pflag parser reads them: `--flag value`, `--flag=value`, short forms (`-m 1g`, `-m1g`,
// clustered booleans `-dit`, `-dm 1g`), booleans with `=false`, `--` ending the options.
import type { Word } from "./shell";
import { basename } from "./commandLine";
import { isKnown, Unknown, type Val } from "./propertyValues";
import { ALL_HARDENING, type Hardening } from "../model/extraction";

export type DockerVerb = "run" | "create" | "update";

export interface DockerInvocation {
  readonly verb: DockerVerb;
  /** Long flag name (aliases resolved: --net → network) → the values given, in order. Booleans: "true"/"false". */
  readonly flags: ReadonlyMap<string, readonly Word[]>;
  /** run/create: the image; undefined when the argv ends before it. */
  readonly image?: Word;
  /** run/create: the container's command and arguments after the image; update: the containers. */
  readonly args: readonly Word[];
  /** `docker -H …` / `--host` / `--context`: the engine the command talks to, when not the default. */
  readonly engineHost?: Word;
  /** Flags the parser does not know (it guesses them boolean); the image position may then be off. */
  readonly unknownFlags: readonly string[];
}

const RUN_VALUED = new Set(
  (
    "add-host annotation attach blkio-weight blkio-weight-device cap-add cap-drop cgroup-parent cgroupns cidfile " +
    "cpu-count cpu-percent cpu-period cpu-quota cpu-rt-period cpu-rt-runtime cpu-shares cpus cpuset-cpus cpuset-mems " +
    "detach-keys device device-cgroup-rule device-read-bps device-read-iops device-write-bps device-write-iops dns " +
    "dns-option dns-search domainname entrypoint env env-file expose gpus group-add health-cmd health-interval " +
    "health-retries health-start-interval health-start-period health-timeout hostname io-maxbandwidth io-maxiops ip " +
    "ip6 ipc isolation kernel-memory label label-file link link-local-ip log-driver log-opt mac-address memory " +
    "memory-reservation memory-swap memory-swappiness mount name network network-alias oom-score-adj pid pids-limit " +
    "platform publish pull restart runtime security-opt shm-size stop-signal stop-timeout storage-opt sysctl tmpfs " +
    "ulimit user userns uts volume volume-driver volumes-from workdir"
  ).split(" "),
);
const RUN_BOOLEAN = new Set(
  "detach disable-content-trust help init interactive no-healthcheck oom-kill-disable privileged publish-all quiet read-only rm sig-proxy tty use-api-socket".split(
    " ",
  ),
);
const RUN_SHORT: Record<string, string> = {
  a: "attach",
  c: "cpu-shares",
  d: "detach",
  e: "env",
  h: "hostname",
  i: "interactive",
  l: "label",
  m: "memory",
  p: "publish",
  P: "publish-all",
  q: "quiet",
  t: "tty",
  u: "user",
  v: "volume",
  w: "workdir",
};
const UPDATE_VALUED = new Set(
  "blkio-weight cpu-period cpu-quota cpu-rt-period cpu-rt-runtime cpu-shares cpus cpuset-cpus cpuset-mems kernel-memory memory memory-reservation memory-swap pids-limit restart".split(
    " ",
  ),
);
const UPDATE_SHORT: Record<string, string> = { c: "cpu-shares", m: "memory" };
const ALIASES: Record<string, string> = { net: "network", "net-alias": "network-alias", "dns-opt": "dns-option" };

// Options of `docker` itself, before the subcommand.
const GLOBAL_VALUED = new Set([
  "--config",
  "-c",
  "--context",
  "-H",
  "--host",
  "-l",
  "--log-level",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
]);

const CLIS = new Set(["docker", "podman"]);
const COMPOSE_VALUED = new Set([
  "-p",
  "--project-name",
  "--env-file",
  "--profile",
  "--project-directory",
  "--ansi",
  "--parallel",
  "--progress",
]);

/** Parses `docker [global opts] (run|create|update|container run|…) …`; undefined for any other program or verb. */
export function parseDockerCommand(argv: readonly Word[]): DockerInvocation | undefined {
  if (argv.length === 0 || argv[0]!.dynamic || !CLIS.has(basename(argv[0]!.text))) return undefined;
  let k = 1;
  let engineHost: Word | undefined;
  while (k < argv.length && argv[k]!.text.startsWith("-")) {
    const t = argv[k]!.text;
    const [name, inline] = splitEq(t);
    const valued = GLOBAL_VALUED.has(name);
    const value = inline !== undefined ? { text: inline, dynamic: argv[k]!.dynamic } : valued ? argv[k + 1] : undefined;
    if (name === "-H" || name === "--host" || name === "-c" || name === "--context") engineHost = value;
    k += valued && inline === undefined ? 2 : 1;
  }
  let verb = argv[k]?.text;
  if (verb === "container") verb = argv[++k]?.text;
  if (verb !== "run" && verb !== "create" && verb !== "update") return undefined;
  const isUpdate = verb === "update";
  const parsed = parseFlags(
    argv.slice(k + 1),
    isUpdate ? UPDATE_VALUED : RUN_VALUED,
    isUpdate ? new Set() : RUN_BOOLEAN,
    isUpdate ? UPDATE_SHORT : RUN_SHORT,
  );
  const image = isUpdate ? undefined : parsed.positional[0];
  const args = isUpdate ? parsed.positional : parsed.positional.slice(1);
  return { verb, flags: parsed.flags, image, args, engineHost, unknownFlags: parsed.unknown };
}

function splitEq(t: string): [string, string | undefined] {
  const eq = t.indexOf("=");
  return eq < 0 ? [t, undefined] : [t.slice(0, eq), t.slice(eq + 1)];
}

function parseFlags(
  words: readonly Word[],
  valued: ReadonlySet<string>,
  boolean: ReadonlySet<string>,
  short: Record<string, string>,
): { flags: Map<string, Word[]>; positional: Word[]; unknown: string[] } {
  const flags = new Map<string, Word[]>();
  const unknown: string[] = [];
  const add = (name: string, value: Word): void => {
    const long = ALIASES[name] ?? name;
    flags.set(long, [...(flags.get(long) ?? []), value]);
  };
  const TRUE: Word = { text: "true", dynamic: false };
  let k = 0;
  for (; k < words.length; k++) {
    const w = words[k]!;
    const t = w.text;
    if (t === "--") {
      k++;
      break;
    }
    if (w.dynamic && t.startsWith("$")) {
      // "$OPTS": unknown flags from the environment; cannot tell options from the image.
      unknown.push(t);
      continue;
    }
    if (t.startsWith("--") && t.length > 2) {
      const [rawName, inline] = splitEq(t.slice(2));
      const name = ALIASES[rawName] ?? rawName;
      if (valued.has(name)) {
        if (inline !== undefined) add(name, { text: inline, dynamic: w.dynamic });
        else if (k + 1 < words.length) add(name, words[++k]!);
      } else {
        if (!boolean.has(name)) unknown.push(`--${rawName}`);
        add(name, inline !== undefined ? { text: normalizeBool(inline), dynamic: w.dynamic } : TRUE);
      }
      continue;
    }
    if (t.startsWith("-") && t.length > 1) {
      // A cluster of short flags; the first one that takes a value consumes the rest of the word or the next word.
      for (let c = 1; c < t.length; c++) {
        const letter = t[c]!;
        const name = short[letter];
        if (!name) {
          unknown.push(`-${letter}`);
          continue;
        }
        if (valued.has(name)) {
          let rest = t.slice(c + 1);
          if (rest.startsWith("=")) rest = rest.slice(1);
          if (rest) add(name, { text: rest, dynamic: w.dynamic });
          else if (k + 1 < words.length) add(name, words[++k]!);
          break;
        }
        if (t[c + 1] === "=") {
          add(name, { text: normalizeBool(t.slice(c + 2)), dynamic: w.dynamic });
          break;
        }
        add(name, TRUE);
      }
      continue;
    }
    break;
  }
  return { flags, positional: words.slice(k), unknown };
}

function normalizeBool(v: string): string {
  const l = v.toLowerCase();
  if (l === "1" || l === "t" || l === "true") return "true";
  if (l === "0" || l === "f" || l === "false") return "false";
  return v;
}

/** The last value given for a flag (Docker keeps the last of repeated scalar flags). */
export const lastFlag = (inv: DockerInvocation, name: string): Word | undefined => inv.flags.get(name)?.at(-1);

/**
 * The files `docker compose -f FILE …` / `docker-compose --file=FILE …` reads: each is a compose file, whatever
 * its name or format (JSON included). undefined for any other command.
 */
export function composeFilesOf(argv: readonly Word[]): Word[] | undefined {
  if (argv.length === 0 || argv[0]!.dynamic) return undefined;
  const prog = basename(argv[0]!.text);
  let k: number;
  if (prog === "docker-compose" || prog === "podman-compose") k = 1;
  else if (CLIS.has(prog)) {
    k = 1;
    while (k < argv.length && argv[k]!.text.startsWith("-")) {
      const [name, inline] = splitEq(argv[k]!.text);
      k += GLOBAL_VALUED.has(name) && inline === undefined ? 2 : 1;
    }
    if (argv[k]?.text !== "compose") return undefined;
    k++;
  } else return undefined;
  // Compose's own options come before its subcommand (`logs -f` after it means "follow").
  const files: Word[] = [];
  for (; k < argv.length && argv[k]!.text.startsWith("-"); k++) {
    const w = argv[k]!;
    if (w.text === "-f" || w.text === "--file") {
      if (argv[k + 1]) files.push(argv[++k]!);
    } else if (w.text.startsWith("--file=")) files.push({ text: w.text.slice("--file=".length), dynamic: w.dynamic });
    else if (/^-f./.test(w.text)) files.push({ text: w.text.slice(2), dynamic: w.dynamic });
    else if (COMPOSE_VALUED.has(w.text)) k++;
  }
  return files;
}

/** `docker run/create` hardening flags: --read-only, --cap-drop, --security-opt, --pids-limit, --cpu-shares/-c, --user/-u. */
export function cliHardening(inv: DockerInvocation): Hardening {
  const word = (flag: string): Val<string> => {
    const w = lastFlag(inv, flag);
    if (!w) return undefined;
    return w.dynamic ? new Unknown(`--${flag} ${w.text}`, "comes from the shell environment") : w.text;
  };
  const words = (flag: string): Val<string[]> => {
    const ws = inv.flags.get(flag) ?? [];
    const dynamic = ws.find((w) => w.dynamic);
    if (dynamic) return new Unknown(`--${flag} ${dynamic.text}`, "comes from the shell environment");
    return ws.length ? ws.flatMap((w) => w.text.split(",")) : undefined;
  };
  const number = (flag: string): Val<number> => {
    const v = word(flag);
    if (!isKnown(v)) return v;
    const n = Number(v);
    return Number.isFinite(n) ? n : new Unknown(`--${flag} ${v}`, "is not a number");
  };
  const readOnly = word("read-only");
  return {
    readOnlyRoot: isKnown(readOnly) ? readOnly !== "false" : readOnly,
    capDrop: words("cap-drop"),
    securityOpts: words("security-opt"),
    pidsLimit: number("pids-limit"),
    cpuShares: number("cpu-shares"),
    user: word("user"),
    settable: ALL_HARDENING,
  };
}
