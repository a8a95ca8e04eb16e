// A script's commands and their argv, as shell words (quotes removed, escapes applied), never by matching a regex
// over the whole string. Parsing is mvdan/sh's (the parser behind shfmt, see shparse.ts); this module evaluates
// the words it returns the way the shell would, as far as the script itself says.
//
// Covered: all of bash's syntax (quoting, here-documents with or without quoted delimiters and <<-, pipelines,
// compound commands, functions); variable assignments (tracked, so `MEM=1g; docker run -m "$MEM"` resolves),
// export/declare/local, field splitting of unquoted expansions (`$RUN`), ${VAR:-default}, and the commands inside
// ${VAR:+alternative}, the commands inside $(…), `…` and <(…), calls to the script's functions (with $1… $@; one
// never called counts as run once). Expansions it cannot resolve are marked in the text it hands to an inner
// shell (Word.marked). Not evaluated: globs, arithmetic, aliases, conditionals (every branch counts as run).
import { parseShell, ShparseMissing, type JCmd, type JPart } from "./shparse";

export interface Word {
  /** The word after quote removal and substitution of variables the script itself sets. */
  readonly text: string;
  /** Holds an expansion whose value the script does not set ($HOME, $(…), $1 …): `text` is not what runs. */
  readonly dynamic: boolean;
  /**
   * For a dynamic word: `text` with each expansion the script does not resolve wrapped in MARK_OPEN/MARK_CLOSE.
   * A script handed on to another shell (`bash -c "…$X…"`, `bash <<EOF`) is read from it, so what the outer
   * shell expands stays not visible inside — never resolved from the inner script's own variables.
   */
  readonly marked?: string;
}

/** Around an expansion the outer shell makes at run time, in a script handed to an inner shell. */
export const MARK_OPEN = "\u0001";
export const MARK_CLOSE = "\u0002";

export interface Redirect {
  /** ">", ">>", "<", "<<", "<<-", "<<<", "&>", ">&", … */
  readonly op: string;
  readonly fd?: number;
  readonly target?: Word;
  /** The body of a here-document (expanded like the shell does when the delimiter is not quoted). */
  heredoc?: string;
  /** The body with the expansions the script does not resolve marked (see Word.marked). */
  heredocMarked?: string;
}

export interface SimpleCommand {
  readonly words: readonly Word[];
  readonly assignments: readonly (readonly [string, Word])[];
  readonly redirects: readonly Redirect[];
  /** The previous command of a pipeline (`a | b`: b.pipedFrom = a). */
  readonly pipedFrom?: SimpleCommand;
  /** The command's source text, for messages. */
  readonly text: string;
  /** 1-based line of the script the command starts on. */
  readonly line: number;
  /** Variables exported at this point (the script's initial environment, `export NAME=…`): what a child shell sees. */
  readonly exported?: ReadonlyMap<string, string>;
}

export interface Script {
  /** In execution order; the commands of $(…) come before the command that uses them. */
  readonly commands: readonly SimpleCommand[];
  /** What could not be read (unterminated quote, here-document…); the commands found are still returned. */
  readonly problems: readonly string[];
}

export type Env = Map<string, string>;

/** Builtins whose NAME=value arguments set shell variables. */
const DECLARERS = new Set(["export", "readonly", "declare", "local", "typeset"]);
const NAME_EQ = /^([A-Za-z_][A-Za-z0-9_]*)=/;
/** A numbered hole: an expansion an outer shell makes, handed to the parser as literal text (see parseScript). */
const HOLE = new RegExp(`${MARK_OPEN}(\\d+)${MARK_CLOSE}`, "g");
const MARKED = new RegExp(`${MARK_OPEN}([^${MARK_OPEN}${MARK_CLOSE}]*)${MARK_CLOSE}`, "g");

/** Split a script into simple commands. `env` holds variables known before it runs; it is not modified. */
export function parseScript(src: string, env: Env = new Map()): Script {
  // What an outer shell expands (MARK_OPEN…MARK_CLOSE) becomes a numbered hole the parser reads as literal text.
  const holes: string[] = [];
  const text = src.replace(MARKED, (_, raw: string) => `${MARK_OPEN}${holes.push(raw) - 1}${MARK_CLOSE}`);
  let parsed;
  try {
    parsed = parseShell(text);
  } catch (e) {
    if (e instanceof ShparseMissing) throw e;
    return { commands: [], problems: [`the shell parser failed: ${(e as Error).message}`] };
  }
  const commands: SimpleCommand[] = [];
  const functions: Functions = { bodies: new Map(), called: new Set(), calls: 0, problems: [] };
  const top = new Evaluator(new Map(env), new Set(env.keys()), holes, commands, functions);
  top.run(parsed.c);
  // A function the script defines but never calls still counts as run (once, its arguments not visible).
  for (const [name, body] of functions.bodies) if (!functions.called.has(name)) top.call(name, body, undefined);
  return { commands, problems: [...(parsed.e ?? []), ...functions.problems] };
}

interface Functions {
  readonly bodies: Map<string, readonly JCmd[]>;
  readonly called: Set<string>;
  /** Calls followed so far, against MAX_CALLS. */
  calls: number;
  readonly problems: string[];
}

/** How deep function calls are followed (a recursive function stops here). */
const MAX_CALL_DEPTH = 8;
/** How many calls of one script are followed: functions calling each other many times cannot stall a preview. */
const MAX_CALLS = 2000;

/** Evaluates parsed commands in order, tracking the variables they set; appends what they run to `out`. */
class Evaluator {
  constructor(
    private readonly vars: Env,
    /** The initial environment is exported; `export` adds to it. */
    private readonly exportedNames: Set<string>,
    private readonly holes: readonly string[],
    /** Commands found inside $(…) / `…` come here ahead of the command that contains them. */
    private readonly out: SimpleCommand[],
    private readonly functions: Functions,
    /** Inside a function: its arguments ($1…, $@); undefined where they are not known. */
    private readonly positional?: readonly Word[],
    private readonly depth = 0,
  ) {}

  run(cmds: readonly JCmd[]): void {
    let previous: SimpleCommand | undefined;
    for (const c of cmds) {
      if (c.f !== undefined) this.functions.bodies.set(c.f, c.b ?? []);
      else previous = this.command(c, c.p ? previous : undefined);
    }
  }

  /** Run a function's body where it is called, with its arguments as $1… (shared variables, as in the shell). */
  call(name: string, body: readonly JCmd[], args: readonly Word[] | undefined): void {
    this.functions.called.add(name);
    if (this.depth >= MAX_CALL_DEPTH) return;
    if (++this.functions.calls > MAX_CALLS) {
      if (this.functions.calls === MAX_CALLS + 1)
        this.functions.problems.push(`function calls past the first ${MAX_CALLS} are not followed (from ${name})`);
      return;
    }
    const inner = new Evaluator(
      this.vars,
      this.exportedNames,
      this.holes,
      this.out,
      this.functions,
      args,
      this.depth + 1,
    );
    inner.run(body);
  }

  private command(c: JCmd, pipedFrom: SimpleCommand | undefined): SimpleCommand | undefined {
    const assignments: [string, Word][] = [];
    const bare = (c.w ?? []).length === 0;
    for (const a of c.a ?? []) {
      const value = this.whole(a.v);
      assignments.push([a.n, value]);
      if (bare) this.vars.set(a.n, stored(value));
    }
    const words = (c.w ?? []).flatMap((w) => this.fields(w));
    const redirects: Redirect[] = (c.r ?? []).map((r) => {
      const redirect: Redirect = {
        op: r.o,
        ...(r.n !== undefined && { fd: r.n }),
        ...(r.w && { target: this.whole(r.w) }),
      };
      if (r.h) {
        const body = this.whole(r.h);
        redirect.heredoc = body.text;
        if (body.dynamic && body.marked !== undefined) redirect.heredocMarked = body.marked;
      }
      return redirect;
    });
    if (words.length > 0 && !words[0]!.dynamic && DECLARERS.has(words[0]!.text)) {
      const exporting = words[0]!.text === "export";
      for (const w of words.slice(1)) {
        const m = NAME_EQ.exec(w.text);
        if (m) this.vars.set(m[1]!, stored(w).slice(m[0].length));
        const name = m ? m[1]! : /^[A-Za-z_][A-Za-z0-9_]*$/.test(w.text) ? w.text : undefined;
        if (exporting && name) this.exportedNames.add(name);
      }
    }
    if (words.length === 0 && redirects.length === 0) return undefined;
    const fn = words[0] && !words[0].dynamic ? this.functions.bodies.get(words[0].text) : undefined;
    if (fn) {
      this.call(words[0]!.text, fn, words.slice(1));
      return undefined;
    }
    const exported = new Map<string, string>();
    for (const name of this.exportedNames) if (this.vars.has(name)) exported.set(name, this.vars.get(name)!);
    const cmd: SimpleCommand = {
      words,
      assignments,
      redirects,
      pipedFrom,
      text: c.t.replace(HOLE, (_, i: string) => this.holes[Number(i)] ?? ""),
      line: c.l,
      ...(exported.size > 0 && { exported }),
    };
    this.out.push(cmd);
    return cmd;
  }

  /** A word as one field (assignment values, redirection targets, here-document bodies). */
  private whole(parts: readonly JPart[]): Word {
    const fields = this.fields(parts, true);
    return fields[0] ?? { text: "", dynamic: false };
  }

  /** The fields a word expands to: unquoted expansions the script resolves are split on blanks (`$RUN`). */
  private fields(parts: readonly JPart[], noSplit = false): Word[] {
    const out: Word[] = [];
    let text = "";
    let marked = "";
    let dynamic = false;
    /** An empty unquoted expansion makes no field; anything quoted or literal does. */
    let real = false;
    const literal = (t: string): void => {
      text += t;
      marked += t;
    };
    const flush = (): void => {
      out.push(dynamic ? { text, dynamic, marked } : { text, dynamic });
      text = "";
      marked = "";
      dynamic = false;
      real = false;
    };
    const expanded = (e: Word, quoted: boolean): void => {
      dynamic ||= e.dynamic;
      if (e.dynamic) {
        text += e.text;
        marked += e.marked ?? MARK_OPEN + e.text + MARK_CLOSE;
        real = true;
        return;
      }
      if (quoted || noSplit) {
        literal(e.text);
        real = true;
        return;
      }
      const split = e.text.split(/[ \t\n]+/);
      literal(split[0]!);
      if (split[0] !== "") real = true;
      for (const part of split.slice(1)) {
        if (real || text !== "") flush();
        literal(part);
        if (part !== "") real = true;
      }
    };
    for (const p of parts) {
      if ((p.v === "@" || p.v === "*") && !p.o && this.positional) {
        // "$@": each argument its own field; $@ / $*: each argument split again.
        this.positional.forEach((arg, i) => {
          if (i > 0 && p.q === true && p.v === "*")
            literal(" "); // "$*": one field, arguments joined by a blank
          else if (i > 0) flush();
          expanded(arg, p.q === true);
        });
        if (this.positional.length > 0) real = true;
        continue;
      }
      if (p.l !== undefined) {
        this.literalWithHoles(p.l, literal, (raw) => {
          text += raw;
          marked += MARK_OPEN + raw + MARK_CLOSE;
          dynamic = true;
        });
        real = true;
      } else {
        expanded(this.expansion(p), p.q === true);
      }
    }
    if (real || text !== "") flush();
    return out;
  }

  private literalWithHoles(s: string, literal: (t: string) => void, hole: (raw: string) => void): void {
    let last = 0;
    for (const m of s.matchAll(HOLE)) {
      literal(s.slice(last, m.index));
      hole(this.holes[Number(m[1])] ?? "");
      last = m.index! + m[0].length;
    }
    literal(s.slice(last));
  }

  /** A variable's value, or a function's argument ($1, $#); undefined where the script does not set it. */
  private parameter(name: string): Word | undefined {
    if (this.positional && /^[1-9][0-9]*$/.test(name))
      return this.positional[Number(name) - 1] ?? { text: "", dynamic: false };
    if (this.positional && name === "#") return { text: String(this.positional.length), dynamic: false };
    const known = this.vars.get(name);
    return known === undefined ? undefined : valueOf(known);
  }

  /** The value of one expansion part: resolved from the script's variables, or dynamic with its source text. */
  private expansion(p: JPart): Word {
    if (p.c) {
      // A substitution runs in a subshell: what it assigns stays there; what it runs is reported first.
      const sub = new Map(this.vars);
      new Evaluator(
        sub,
        new Set(this.exportedNames),
        this.holes,
        this.out,
        this.functions,
        this.positional,
        this.depth,
      ).run(p.c);
      return { text: p.x ?? "$(…)", dynamic: true };
    }
    if (p.v !== undefined) {
      const known = this.parameter(p.v);
      const alternative = p.o === ":+" || p.o === "+";
      if (known === undefined) {
        // Not set by the script: the default is a guess (what runs may differ), an alternative unknowable.
        if (p.w && !alternative) return { text: this.whole(p.w).text, dynamic: true };
        return { text: p.x ?? "$" + p.v, dynamic: true };
      }
      const empty = !known.dynamic && known.text === "";
      if (alternative) return empty && p.o === ":+" ? { text: "", dynamic: false } : this.whole(p.w ?? []);
      if (empty && p.w && p.o?.startsWith(":")) return this.whole(p.w);
      return known;
    }
    return { text: p.x ?? "", dynamic: true };
  }
}

/** A variable's value as kept in Env: with its not-visible parts marked, so a later `$NAME` stays dynamic. */
const stored = (w: Word): string => (w.dynamic ? (w.marked ?? MARK_OPEN + w.text + MARK_CLOSE) : w.text);

/** The word a variable's stored value expands to. */
function valueOf(v: string): Word {
  if (!v.includes(MARK_OPEN)) return { text: v, dynamic: false };
  return { text: v.split(MARK_OPEN).join("").split(MARK_CLOSE).join(""), dynamic: true, marked: v };
}

/** Shell words of a single command line (for compose `command: "redis-server --maxmemory 1gb"`). */
export function splitWords(text: string): { words: string[]; problems: readonly string[] } {
  const { commands, problems } = parseScript(text);
  return {
    words: commands.flatMap((c) => [...c.assignments.map(([n, v]) => `${n}=${v.text}`), ...c.words.map((w) => w.text)]),
    problems,
  };
}
