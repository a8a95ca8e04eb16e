// From a shell script to the programs it runs: strips wrappers (sudo, env, nohup, timeout…) and reads the
// scripts handed to `sh -c` / `bash -c` / `su -c` as scripts of their own.
import { parseScript, type Env, type SimpleCommand, type Word } from "./shell";

export interface Invocation {
  /** The program and its arguments, wrappers removed: argv[0] is the program (`docker`, `sysctl`…). */
  readonly argv: readonly Word[];
  /** The simple command it came from (redirections, pipeline, source text). */
  readonly command: SimpleCommand;
  /** Shells it was nested in, outermost first: ["sh -c"]. */
  readonly via: readonly string[];
}

export interface ScriptReading {
  readonly invocations: readonly Invocation[];
  readonly problems: readonly string[];
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox"]);
const MAX_NESTING = 5;

export const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** Every program a script runs, including those inside `sh -c '…'`. */
export function readScript(script: string, env: Env = new Map(), via: readonly string[] = []): ScriptReading {
  const parsed = parseScript(script, env);
  return readCommands(parsed.commands, parsed.problems, via);
}

/** The programs an argv runs (a container's entrypoint + command): itself, or the script of `sh -c …`. */
export function readArgv(words: readonly Word[]): ScriptReading {
  const command: SimpleCommand = {
    words,
    assignments: [],
    redirects: [],
    text: words.map((w) => w.text).join(" "),
    line: 1,
  };
  return readCommands([command], [], []);
}

function readCommands(
  commands: readonly SimpleCommand[],
  parseProblems: readonly string[],
  via: readonly string[],
): ScriptReading {
  const invocations: Invocation[] = [];
  const problems = [...parseProblems];
  for (const command of commands) {
    const argv = unwrap(command.words);
    if (argv.length === 0) continue;
    const inner = shellScript(argv);
    if (inner && via.length < MAX_NESTING) {
      const nested = readScript(inner.script, new Map(), [...via, inner.label]);
      invocations.push(...nested.invocations);
      problems.push(...nested.problems);
      continue;
    }
    invocations.push({ argv, command, via });
  }
  return { invocations, problems };
}

/** Options of wrapper programs that take a value (so the value is not mistaken for the wrapped program). */
const WRAPPERS: Record<string, { valued: ReadonlySet<string>; positional?: number }> = {
  sudo: {
    valued: new Set([
      "-u",
      "-g",
      "-h",
      "-p",
      "-C",
      "-U",
      "-D",
      "-r",
      "-t",
      "-T",
      "--user",
      "--group",
      "--host",
      "--prompt",
      "--chdir",
    ]),
  },
  doas: { valued: new Set(["-u", "-C"]) },
  env: { valued: new Set(["-u", "-C", "--unset", "--chdir"]) },
  nohup: { valued: new Set() },
  exec: { valued: new Set(["-a"]) },
  command: { valued: new Set() },
  builtin: { valued: new Set() },
  time: { valued: new Set(["-f", "-o"]) },
  nice: { valued: new Set(["-n", "--adjustment"]) },
  ionice: { valued: new Set(["-c", "-n", "-p", "--class", "--classdata"]) },
  setsid: { valued: new Set() },
  stdbuf: { valued: new Set(["-i", "-o", "-e"]) },
  timeout: { valued: new Set(["-s", "-k", "--signal", "--kill-after"]), positional: 1 },
  chronic: { valued: new Set() },
  // Container init wrappers that exec their arguments.
  "docker-entrypoint.sh": { valued: new Set() },
  tini: { valued: new Set(["-p", "-e"]) },
  "dumb-init": { valued: new Set(["-r", "--rewrite"]) },
  gosu: { valued: new Set(), positional: 1 },
  "su-exec": { valued: new Set(), positional: 1 },
};

/** Strip leading wrapper programs: `sudo -u root env A=1 nohup docker run …` → `docker run …`. */
export function unwrap(words: readonly Word[]): Word[] {
  let rest = [...words];
  for (let guard = 0; guard < 10 && rest.length > 0; guard++) {
    const spec = rest[0]!.dynamic ? undefined : WRAPPERS[basename(rest[0]!.text)];
    if (!spec) break;
    const isEnv = basename(rest[0]!.text) === "env";
    let k = 1;
    while (k < rest.length) {
      const t = rest[k]!.text;
      if (t === "--") {
        k++;
        break;
      }
      if (isEnv && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) k++;
      else if (t.startsWith("-") && t.length > 1) k += spec.valued.has(t) ? 2 : 1;
      else break;
    }
    k += spec.positional ?? 0;
    rest = rest.slice(k);
  }
  return rest;
}

/** The script run by `sh -c SCRIPT`, `bash -lc SCRIPT`, `su -c SCRIPT user`, `busybox sh -c SCRIPT`. */
function shellScript(argv: readonly Word[]): { script: string; label: string } | undefined {
  const prog = basename(argv[0]!.text);
  let args = argv.slice(1);
  if (prog === "busybox" && args[0] && SHELLS.has(args[0].text)) args = args.slice(1);
  else if (prog === "busybox") return undefined;
  if (SHELLS.has(prog)) {
    for (let k = 0; k < args.length; k++) {
      const t = args[k]!.text;
      if (t === "-o" || t === "+o") {
        k++;
        continue;
      }
      if (/^[-+][A-Za-z]+$/.test(t)) {
        if (t.startsWith("-") && t.includes("c")) {
          const script = args.slice(k + 1).find((w) => !/^[-+][A-Za-z]+$/.test(w.text));
          return script && !script.dynamic ? { script: script.text, label: `${prog} ${t}` } : undefined;
        }
        continue;
      }
      return undefined; // a script file: not visible here
    }
    return undefined;
  }
  if (prog === "su") {
    for (let k = 0; k < args.length; k++) {
      const t = args[k]!.text;
      if ((t === "-c" || t === "--command") && args[k + 1] && !args[k + 1]!.dynamic)
        return { script: args[k + 1]!.text, label: "su -c" };
      if (t.startsWith("--command=")) return { script: t.slice("--command=".length), label: "su -c" };
    }
  }
  return undefined;
}
