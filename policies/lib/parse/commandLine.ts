// From a shell script to the programs it runs: strips wrappers (sudo, env, nohup, timeout…) and reads the
// scripts handed to `sh -c` / `bash -c` / `su -c` as scripts of their own.
import { MARK_CLOSE, MARK_OPEN, parseScript, type Env, type SimpleCommand, type Word } from "./shell";

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
    const inner = shellScript(argv, command);
    if (inner && via.length < MAX_NESTING) {
      // The inner shell sees the variables exported to it, and the command's own prefix assignments (A=1 bash -c …).
      const env: Env = new Map([
        ...(command.exported ?? new Map<string, string>()),
        ...command.assignments.map(([name, w]): [string, string] => [name, scriptOf(w)]),
      ]);
      const nested = readScript(inner.script, env, [...via, inner.label]);
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

/** A word as script text: what the outer shell expands at run time stays marked as not visible (Word.marked). */
const scriptOf = (w: Word): string => (w.dynamic ? (w.marked ?? MARK_OPEN + w.text + MARK_CLOSE) : w.text);

/**
 * The script a shell runs: `sh -c SCRIPT`, `bash -lc SCRIPT`, `su -c SCRIPT user`, `busybox sh -c SCRIPT`,
 * `eval …`, and a shell reading its script from stdin — a here-document or here-string (`sudo bash <<EOF`,
 * `bash -s <<< "…"`) or a pipe (`echo "…" | sh`, `cat <<EOF | bash`).
 */
function shellScript(argv: readonly Word[], command: SimpleCommand): { script: string; label: string } | undefined {
  const prog = basename(argv[0]!.text);
  let args = argv.slice(1);
  if (prog === "eval" && args.length) return { script: args.map(scriptOf).join(" "), label: "eval" };
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
          return script ? { script: scriptOf(script), label: `${prog} ${t}` } : undefined;
        }
        if (t.startsWith("-") && t.includes("s")) break; // -s: the script is stdin, the rest are its arguments
        continue;
      }
      if (t === "--" || t === "-") break;
      return undefined; // a script file: not visible here
    }
    const stdin = stdinScript(command);
    return stdin === undefined ? undefined : { script: stdin, label: `${prog} (stdin)` };
  }
  if (prog === "su") {
    for (let k = 0; k < args.length; k++) {
      const t = args[k]!.text;
      if ((t === "-c" || t === "--command") && args[k + 1]) return { script: scriptOf(args[k + 1]!), label: "su -c" };
      if (t.startsWith("--command=")) return { script: t.slice("--command=".length), label: "su -c" };
    }
  }
  return undefined;
}

/** What a command reads on stdin when it is script text: a here-document or here-string, or what a pipe prints. */
function stdinScript(command: SimpleCommand): string | undefined {
  for (const r of command.redirects) {
    if ((r.op === "<<" || r.op === "<<-") && r.heredoc !== undefined) return r.heredocMarked ?? r.heredoc;
    if (r.op === "<<<" && r.target) return scriptOf(r.target);
  }
  const from = command.pipedFrom;
  if (!from) return undefined;
  const argv = unwrap(from.words);
  const prog = argv[0] && !argv[0].dynamic ? basename(argv[0].text) : undefined;
  if (prog === "echo") {
    const words = argv.slice(1);
    while (words[0] && /^-[neE]+$/.test(words[0].text)) words.shift();
    return words.map(scriptOf).join(" ");
  }
  if (prog === "printf" && argv.length === 2) return scriptOf(argv[1]!).replace(/\\n/g, "\n");
  if (prog === "cat" && argv.length === 1) return stdinScript(from);
  return undefined;
}

const SSH_VALUED = new Set("-B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w".split(" "));

/**
 * What an invocation runs that the pack does not read, in words for the report: a script file handed to a
 * shell (`bash deploy.sh`) or a command run on another host over ssh. undefined otherwise. (A file read with
 * `.`/`source` sets variables — `. /etc/os-release` — and what uses them is reported where it is used.)
 */
export function unreadScript(inv: Invocation): string | undefined {
  const prog = basename(inv.argv[0]!.text);
  const args = inv.argv.slice(1);
  if (SHELLS.has(prog) && prog !== "busybox") {
    for (let k = 0; k < args.length; k++) {
      const t = args[k]!.text;
      if (t === "-o" || t === "+o") k++;
      else if (t === "--" || t === "-" || /^-[A-Za-z]*s/.test(t)) return undefined;
      else if (!/^[-+][A-Za-z]+$/.test(t))
        return `runs the script file ${t}, which the pack does not read (settings in it are not checked)`;
    }
    return undefined;
  }
  if (prog === "ssh") {
    let k = 0;
    while (k < args.length && args[k]!.text.startsWith("-")) k += SSH_VALUED.has(args[k]!.text) ? 2 : 1;
    const host = args[k];
    if (host && args.length > k + 1)
      return `runs a command on ${host.text} over ssh, which the pack does not read (settings in it are not checked)`;
  }
  return undefined;
}
