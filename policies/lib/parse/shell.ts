// A small POSIX shell reader: enough of sh(1) to find the commands a script runs and their argv, as
// shell words (quotes removed, escapes applied), never by matching a regex over the whole string.
//
// Covered: ' " \ quoting, line continuations, comments, ; & && || | |& ( ) separators, keywords
// (if/then/while/do/…), redirections with fds, here-documents (<<, <<-, quoted delimiters; bodies expanded
// unless quoted), variable assignments (tracked, so `MEM=1g; docker run -m "$MEM"` resolves), field splitting of
// unquoted expansions (`$RUN`), ${VAR:-default}, and the commands inside $(…) and `…`. Expansions it cannot
// resolve are marked in the text it hands to an inner shell (Word.marked). Not evaluated: globs, arithmetic,
// functions, aliases, conditionals (every branch counts as run).

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

type Token =
  | {
      kind: "word";
      word: Word;
      /** The fields of the word after splitting unquoted expansions on blanks (`$RUN` → docker, run, …). */
      fields?: Word[];
      assign?: string;
      raw: string;
      start: number;
      end: number;
      line: number;
    }
  | { kind: "op"; op: string; start: number; end: number; line: number }
  | { kind: "redir"; op: string; fd?: number; start: number; end: number; line: number };

const OPERATORS = [
  "&&",
  "||",
  ";;",
  "|&",
  "&>>",
  "&>",
  ">>",
  ">|",
  ">&",
  "<<-",
  "<<<",
  "<<",
  "<&",
  "<>",
  ">",
  "<",
  ";",
  "&",
  "|",
  "(",
  ")",
];
const REDIRECTS = new Set(["&>>", "&>", ">>", ">|", ">&", "<<-", "<<<", "<<", "<&", "<>", ">", "<"]);
const META = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);
/** Words that open or close a compound command; the command proper follows them. */
const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac"]);
/** Builtins whose NAME=value arguments set shell variables. */
const DECLARERS = new Set(["export", "readonly", "declare", "local", "typeset"]);
const NAME_EQ = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const MAX_DEPTH = 8;

/** Split a script into simple commands. `env` holds variables known before it runs; it is not modified. */
export function parseScript(src: string, env: Env = new Map(), depth = 0): Script {
  const problems: string[] = [];
  const commands: SimpleCommand[] = [];
  const vars: Env = new Map(env);
  /** The initial environment is exported; `export` adds to it. */
  const exportedNames = new Set(env.keys());
  const lexer = new Lexer(src, vars, problems, depth, commands);

  let words: Word[] = [];
  let assignments: [string, Word][] = [];
  let redirects: Redirect[] = [];
  let start = -1;
  let startLine = 1;
  let end = 0;
  let pipedFrom: SimpleCommand | undefined;

  const finish = (op?: string): void => {
    if (words.length === 0 && assignments.length === 0 && redirects.length === 0) {
      pipedFrom = undefined;
      return;
    }
    if (words.length === 0) for (const [name, value] of assignments) vars.set(name, stored(value));
    let rest = words;
    while (rest.length > 0 && !rest[0]!.dynamic && KEYWORDS.has(rest[0]!.text)) rest = rest.slice(1);
    if (rest.length > 0 && !rest[0]!.dynamic && DECLARERS.has(rest[0]!.text)) {
      const exporting = rest[0]!.text === "export";
      for (const w of rest.slice(1)) {
        const m = NAME_EQ.exec(w.text);
        if (m) vars.set(m[1]!, stored(w).slice(m[0].length));
        const name = m ? m[1]! : /^[A-Za-z_][A-Za-z0-9_]*$/.test(w.text) ? w.text : undefined;
        if (exporting && name) exportedNames.add(name);
      }
    }
    let cmd: SimpleCommand | undefined;
    if (rest.length > 0 || redirects.length > 0) {
      const exported = new Map<string, string>();
      for (const name of exportedNames) if (vars.has(name)) exported.set(name, vars.get(name)!);
      cmd = {
        words: rest,
        assignments,
        redirects,
        pipedFrom,
        text: src.slice(start, end).trim(),
        line: startLine,
        ...(exported.size > 0 && { exported }),
      };
      commands.push(cmd);
    }
    pipedFrom = op === "|" || op === "|&" ? cmd : undefined;
    words = [];
    assignments = [];
    redirects = [];
    start = -1;
  };

  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (start < 0 && tok.kind !== "op") {
      start = tok.start;
      startLine = tok.line;
    }
    if (tok.kind === "op") {
      finish(tok.op);
      continue;
    }
    end = tok.end;
    if (tok.kind === "redir") {
      const target = lexer.next();
      if (!target || target.kind !== "word") {
        problems.push(`line ${tok.line}: "${tok.op}" has no target`);
        if (target?.kind === "op") finish(target.op);
        continue;
      }
      end = target.end;
      const redirect: Redirect = { op: tok.op, fd: tok.fd, target: target.word };
      if (tok.op === "<<" || tok.op === "<<-") lexer.expectHeredoc(target.raw, tok.op === "<<-", redirect);
      redirects.push(redirect);
      continue;
    }
    if (words.length === 0 && tok.assign !== undefined) {
      const value = tok.word.text.slice(tok.assign.length + 1);
      const marked = tok.word.marked?.slice(tok.assign.length + 1);
      assignments.push([tok.assign, { text: value, dynamic: tok.word.dynamic, ...(marked && { marked }) }]);
    } else {
      words.push(...(tok.fields ?? [tok.word]));
    }
  }
  finish();
  lexer.finish();
  return { commands, problems };
}

class Lexer {
  private i = 0;
  private line = 1;
  private pending: { delimiter: string; stripTabs: boolean; redirect: Redirect; quoted: boolean }[] = [];

  constructor(
    private readonly src: string,
    private readonly vars: Env,
    private readonly problems: string[],
    private readonly depth: number,
    /** Commands found inside $(…) / `…` are appended here, ahead of the command that contains them. */
    private readonly out: SimpleCommand[],
  ) {}

  expectHeredoc(rawDelimiter: string, stripTabs: boolean, redirect: Redirect): void {
    const quoted = /["'\\]/.test(rawDelimiter);
    this.pending.push({ delimiter: rawDelimiter.replace(/["'\\]/g, ""), stripTabs, redirect, quoted });
  }

  finish(): void {
    for (const h of this.pending) this.problems.push(`here-document "${h.delimiter}" is not terminated`);
  }

  next(): Token | undefined {
    const s = this.src;
    for (;;) {
      if (this.i >= s.length) return undefined;
      const c = s[this.i]!;
      if (c === " " || c === "\t" || c === "\r") {
        this.i++;
      } else if (c === "\\" && s[this.i + 1] === "\n") {
        this.i += 2;
        this.line++;
      } else if (c === "#") {
        while (this.i < s.length && s[this.i] !== "\n") this.i++;
      } else break;
    }
    const start = this.i;
    const line = this.line;
    if (s[this.i] === "\n") {
      this.i++;
      this.line++;
      this.readHeredocs();
      return { kind: "op", op: "\n", start, end: start + 1, line };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, this.i)) {
        this.i += op.length;
        return REDIRECTS.has(op)
          ? { kind: "redir", op, start, end: this.i, line }
          : { kind: "op", op, start, end: this.i, line };
      }
    }
    // A word; digits directly followed by a redirection are its file descriptor.
    const fd = /^(\d+)(?=[<>])/.exec(s.slice(this.i, this.i + 12));
    if (fd) {
      this.i += fd[1]!.length;
      const redir = this.next();
      if (redir?.kind === "redir") return { ...redir, fd: Number(fd[1]), start };
      this.i = start; // not a redirection after all: fall through to a plain word
    }
    return this.word(start, line);
  }

  private word(start: number, line: number): Token {
    const s = this.src;
    let text = "";
    let marked = "";
    let dynamic = false;
    let quotedBeforeEq = false;
    let sawEq = false;
    /** Complete fields before the current one, when an unquoted expansion held blanks. */
    const fields: Word[] = [];
    const literal = (t: string): void => {
      text += t;
      marked += t;
    };
    const expanded = (e: Word, quoted: boolean): void => {
      dynamic ||= e.dynamic;
      if (e.dynamic) {
        text += e.text;
        marked += e.marked ?? MARK_OPEN + e.text + MARK_CLOSE;
        return;
      }
      // Field splitting: an unquoted expansion's blanks separate words (`RUN="docker run …"; $RUN`).
      const parts = quoted ? [e.text] : e.text.split(/[ \t\n]+/);
      literal(parts[0]!);
      for (const part of parts.slice(1)) {
        if (text !== "") fields.push(dynamic ? { text, dynamic, marked } : { text, dynamic });
        text = "";
        marked = "";
        dynamic = false;
        literal(part);
      }
    };
    const marker = (): void => {
      // An expansion an outer shell makes (see Word.marked): not visible here.
      const close = s.indexOf(MARK_CLOSE, this.i);
      const end = close < 0 ? s.length : close;
      text += s.slice(this.i + 1, end);
      marked += s.slice(this.i, end + 1);
      dynamic = true;
      this.i = end + 1;
    };
    while (this.i < s.length && !META.has(s[this.i]!)) {
      const c = s[this.i]!;
      if (c === MARK_OPEN) marker();
      else if (c === "\\") {
        if (s[this.i + 1] === "\n") {
          this.i += 2;
          this.line++;
          continue;
        }
        if (!sawEq) quotedBeforeEq = true;
        literal(s[this.i + 1] ?? "");
        this.i += 2;
      } else if (c === "'") {
        if (!sawEq) quotedBeforeEq = true;
        const close = s.indexOf("'", this.i + 1);
        if (close < 0) {
          this.problems.push(`line ${line}: unterminated single quote`);
          literal(s.slice(this.i + 1));
          this.i = s.length;
        } else {
          literal(s.slice(this.i + 1, close));
          this.countLines(this.i, close);
          this.i = close + 1;
        }
      } else if (c === '"') {
        if (!sawEq) quotedBeforeEq = true;
        this.i++;
        let closed = false;
        while (this.i < s.length) {
          const d = s[this.i]!;
          if (d === '"') {
            closed = true;
            this.i++;
            break;
          }
          if (d === MARK_OPEN) marker();
          else if (d === "\\" && '$`"\\\n'.includes(s[this.i + 1] ?? "")) {
            if (s[this.i + 1] === "\n") this.line++;
            else literal(s[this.i + 1]!);
            this.i += 2;
          } else if (d === "$" || d === "`") {
            expanded(this.expansion(), true);
          } else {
            if (d === "\n") this.line++;
            literal(d);
            this.i++;
          }
        }
        if (!closed) this.problems.push(`line ${line}: unterminated double quote`);
      } else if (c === "$" || c === "`") {
        expanded(this.expansion(), false);
      } else {
        if (c === "=" && !sawEq) sawEq = true;
        literal(c);
        this.i++;
      }
    }
    const raw = s.slice(start, this.i);
    const m = NAME_EQ.exec(raw);
    const assign = m && !quotedBeforeEq ? m[1] : undefined;
    const last: Word = dynamic ? { text, dynamic, marked } : { text, dynamic };
    const whole: Word = fields.length
      ? {
          text: [...fields, last].map((f) => f.text).join(" "),
          dynamic: fields.some((f) => f.dynamic) || dynamic,
        }
      : last;
    const split = fields.length ? [...fields, ...(text !== "" ? [last] : [])] : undefined;
    return { kind: "word", word: whole, ...(split && { fields: split }), assign, raw, start, end: this.i, line };
  }

  /** A here-document body as the shell expands it (delimiter not quoted): $VAR, ${…}, $(…), `…`, \$ \` \\. */
  expandBody(): Word {
    const s = this.src;
    let text = "";
    let marked = "";
    let dynamic = false;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === "\\" && "$`\\\n".includes(s[this.i + 1] ?? "")) {
        if (s[this.i + 1] !== "\n") {
          text += s[this.i + 1];
          marked += s[this.i + 1];
        }
        this.i += 2;
      } else if (c === "$" || c === "`") {
        const e = this.expansion();
        dynamic ||= e.dynamic;
        text += e.text;
        marked += e.dynamic ? (e.marked ?? MARK_OPEN + e.text + MARK_CLOSE) : e.text;
      } else {
        text += c;
        marked += c;
        this.i++;
      }
    }
    return dynamic ? { text, dynamic, marked } : { text, dynamic };
  }

  /** `$NAME`, `${…}`, `$(…)`, `$((…))`, `` `…` `` at this.i. */
  private expansion(): Word {
    const s = this.src;
    if (s[this.i] === "`") {
      const close = findBacktick(s, this.i + 1);
      this.nested(s.slice(this.i + 1, close).replace(/\\([`$\\])/g, "$1"));
      this.countLines(this.i, close);
      this.i = Math.min(close + 1, s.length);
      return { text: "`…`", dynamic: true };
    }
    const next = s[this.i + 1];
    if (next === "(") {
      const arithmetic = s[this.i + 2] === "(";
      const close = findClose(s, this.i + 2, "(", ")");
      if (!arithmetic) this.nested(s.slice(this.i + 2, close));
      this.countLines(this.i, close);
      this.i = Math.min(close + 1, s.length);
      if (arithmetic && s[this.i] === ")") this.i++;
      return { text: arithmetic ? "$((…))" : "$(…)", dynamic: true };
    }
    if (next === "{") {
      const close = findClose(s, this.i + 2, "{", "}");
      const body = s.slice(this.i + 2, close);
      this.i = Math.min(close + 1, s.length);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::?[-=](.*))?$/s.exec(body);
      if (m && this.vars.has(m[1]!)) return valueOf(this.vars.get(m[1]!)!);
      if (m && m[2] !== undefined) return { text: m[2].replace(/^["']|["']$/g, ""), dynamic: true };
      return { text: "${" + body + "}", dynamic: true };
    }
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(s.slice(this.i, this.i + 256));
    if (!m) {
      this.i++;
      return { text: "$", dynamic: false };
    }
    this.i += m[0].length;
    const known = this.vars.get(m[1]!);
    return known !== undefined ? valueOf(known) : { text: m[0], dynamic: true };
  }

  private nested(script: string): void {
    if (this.depth >= MAX_DEPTH) {
      this.problems.push("command substitutions nested too deeply");
      return;
    }
    const inner = parseScript(script, this.vars, this.depth + 1);
    this.out.push(...inner.commands);
    this.problems.push(...inner.problems);
  }

  private readHeredocs(): void {
    const s = this.src;
    for (const h of this.pending.splice(0)) {
      const lines: string[] = [];
      let terminated = false;
      while (this.i < s.length) {
        let nl = s.indexOf("\n", this.i);
        if (nl < 0) nl = s.length;
        let lineText = s.slice(this.i, nl);
        this.i = Math.min(nl + 1, s.length);
        this.line++;
        if (h.stripTabs) lineText = lineText.replace(/^\t+/, "");
        if (lineText.replace(/\r$/, "") === h.delimiter) {
          terminated = true;
          break;
        }
        lines.push(lineText);
      }
      const body = lines.join("\n") + (lines.length ? "\n" : "");
      if (h.quoted) h.redirect.heredoc = body;
      else {
        const expanded = new Lexer(body, this.vars, this.problems, this.depth, this.out).expandBody();
        h.redirect.heredoc = expanded.text;
        if (expanded.marked !== undefined) h.redirect.heredocMarked = expanded.marked;
      }
      if (!terminated) this.problems.push(`here-document "${h.delimiter}" is not terminated`);
    }
  }

  private countLines(from: number, to: number): void {
    for (let k = from; k < to && k < this.src.length; k++) if (this.src[k] === "\n") this.line++;
  }
}

/** A variable's value as kept in Env: with its not-visible parts marked, so a later `$NAME` stays dynamic. */
const stored = (w: Word): string => (w.dynamic ? (w.marked ?? MARK_OPEN + w.text + MARK_CLOSE) : w.text);

/** The word a variable's stored value expands to. */
function valueOf(v: string): Word {
  if (!v.includes(MARK_OPEN)) return { text: v, dynamic: false };
  return { text: v.split(MARK_OPEN).join("").split(MARK_CLOSE).join(""), dynamic: true, marked: v };
}

/** Index of the `close` that balances an already-open `open` from `from`, skipping quoted text. */
function findClose(s: string, from: number, open: string, close: string): number {
  let depth = 1;
  for (let k = from; k < s.length; k++) {
    const c = s[k]!;
    if (c === "\\") k++;
    else if (c === "'") {
      const q = s.indexOf("'", k + 1);
      k = q < 0 ? s.length : q;
    } else if (c === '"') {
      for (k++; k < s.length && s[k] !== '"'; k++) if (s[k] === "\\") k++;
    } else if (c === open) depth++;
    else if (c === close && --depth === 0) return k;
  }
  return s.length;
}

function findBacktick(s: string, from: number): number {
  for (let k = from; k < s.length; k++) {
    if (s[k] === "\\") k++;
    else if (s[k] === "`") return k;
  }
  return s.length;
}

/** Shell words of a single command line (for compose `command: "redis-server --maxmemory 1gb"`). */
export function splitWords(text: string): { words: string[]; problems: readonly string[] } {
  const { commands, problems } = parseScript(text);
  return {
    words: commands.flatMap((c) => [...c.assignments.map(([n, v]) => `${n}=${v.text}`), ...c.words.map((w) => w.text)]),
    problems,
  };
}
