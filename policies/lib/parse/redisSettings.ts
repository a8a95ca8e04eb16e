// Redis settings from redis.conf text and `redis-server` argv (argv overrides the file, as in Redis).
import { basename } from "./commandLine";
import { withoutRegistry } from "./imageRefs";
import { parseRedisSize } from "./sizes";

export interface RedisSettings {
  /** Bytes; 0 = no limit (Redis' default). Undefined = not set anywhere visible. */
  maxmemory?: number;
  maxmemoryText?: string;
  maxmemoryPolicy?: string;
  /** RDB snapshots: false after `save ""`, true after a `save <s> <n>` rule; undefined = Redis' default (on). */
  save?: boolean;
  appendonly?: boolean;
  /** A non-empty requirepass, or an ACL that gives the default user a password or turns it off. */
  auth?: boolean;
  /** `user default on nopass` (explicitly open). */
  openDefaultUser?: boolean;
  aclfile?: string;
  bind?: string[];
  protectedMode?: boolean;
  /** Files pulled in with `include` (not followed: their settings are not visible). */
  includes: string[];
  /** Settings whose value comes from the shell environment ($VAR) and so cannot be read. */
  dynamic: string[];
  problems: string[];
}

export const emptySettings = (): RedisSettings => ({ includes: [], dynamic: [], problems: [] });

/** Persistence is on unless snapshots are switched off with `save ""` and AOF is off. */
export const persistent = (s: RedisSettings): boolean => s.appendonly === true || s.save !== false;

/** Apply one directive (name lower-cased, args already split) to `s`. */
export function applyDirective(s: RedisSettings, name: string, args: readonly string[], dynamic = false): void {
  const value = args.join(" ");
  if (dynamic) s.dynamic.push(name);
  switch (name) {
    case "maxmemory": {
      const bytes = parseRedisSize(value);
      if (bytes === undefined && !dynamic) s.problems.push(`maxmemory "${value}" is not a size`);
      s.maxmemory = bytes;
      s.maxmemoryText = value;
      break;
    }
    case "maxmemory-policy":
      s.maxmemoryPolicy = value.toLowerCase();
      break;
    case "save":
      // `save ""` (or `save` with an empty argument) clears the rules; each other `save` adds one.
      s.save = !(args.length === 0 || (args.length === 1 && args[0] === ""));
      break;
    case "appendonly":
      s.appendonly = /^yes$/i.test(value);
      break;
    case "requirepass":
      s.auth = dynamic || value.length > 0;
      break;
    case "user": {
      if (args[0] !== "default") break;
      const rules = args.slice(1);
      if (rules.includes("off")) s.auth = true;
      else if (rules.includes("nopass")) {
        s.auth = false;
        s.openDefaultUser = true;
      } else if (rules.some((r) => r.startsWith(">") || r.startsWith("#"))) s.auth = true;
      break;
    }
    case "aclfile":
      s.aclfile = value;
      break;
    case "bind":
      s.bind = [...args];
      break;
    case "protected-mode":
      s.protectedMode = /^yes$/i.test(value);
      break;
    case "include":
      s.includes.push(value);
      break;
  }
}

/** Split one redis.conf line into arguments the way Redis does (sdssplitargs: "…" with escapes, '…'). */
export function splitRedisArgs(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let cur = "";
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i]!;
        if (q === '"' && c === "\\" && i + 1 < line.length) {
          const n = line[i + 1]!;
          const esc: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
          if (n === "x" && /^[0-9a-f]{2}$/i.test(line.slice(i + 2, i + 4))) {
            cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
          } else {
            cur += esc[n] ?? n;
            i += 2;
          }
          continue;
        }
        if (q === "'" && c === "\\" && line[i + 1] === "'") {
          cur += "'";
          i += 2;
          continue;
        }
        if (c === q) {
          closed = true;
          i++;
          break;
        }
        cur += c;
        i++;
      }
      if (!closed || (i < line.length && !/\s/.test(line[i]!))) return undefined;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) cur += line[i++];
    }
    out.push(cur);
  }
  return out;
}

/** Settings of a redis.conf file. */
export function parseRedisConf(text: string, into: RedisSettings = emptySettings()): RedisSettings {
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const args = splitRedisArgs(line);
    if (!args || args.length === 0) {
      into.problems.push(`line ${n + 1}: unbalanced quotes`);
      continue;
    }
    applyDirective(into, args[0]!.toLowerCase(), args.slice(1));
  }
  return into;
}

export interface RedisArgv {
  /** The config file given as first argument (`redis-server /etc/redis.conf`), if any. */
  readonly confPath?: string;
  /** `--name value…` pairs in order; `dynamic` when a value comes from the shell environment. */
  readonly directives: readonly { name: string; args: string[]; dynamic: boolean }[];
  /** `redis-server -` reads the config from stdin (not visible). */
  readonly stdinConfig: boolean;
}

const SERVERS = new Set(["redis-server", "valkey-server", "redis-stack-server", "keydb-server"]);

/** Is argv[0] a Redis server binary? */
export const isRedisServer = (program: string): boolean => SERVERS.has(basename(program));

/** Image names that run redis-server by default. */
export const isRedisImage = (image: string): boolean =>
  /(^|\/)(redis|valkey|redis-stack-server|redis-stack|keydb)(:|@|$)/i.test(withoutRegistry(image));

/** Parse redis-server's arguments (after the program name). */
export function parseRedisArgv(args: readonly { text: string; dynamic: boolean }[]): RedisArgv {
  let k = 0;
  let confPath: string | undefined;
  let stdinConfig = false;
  if (args[0] && !args[0].text.startsWith("--")) {
    if (args[0].text === "-") stdinConfig = true;
    else confPath = args[0].text;
    k = 1;
  }
  const directives: { name: string; args: string[]; dynamic: boolean }[] = [];
  for (; k < args.length; k++) {
    const t = args[k]!.text;
    if (t.startsWith("--") && t.length > 2) {
      directives.push({ name: t.slice(2).toLowerCase(), args: [], dynamic: false });
    } else if (directives.length > 0) {
      const d = directives.at(-1)!;
      d.args.push(t);
      d.dynamic ||= args[k]!.dynamic;
    }
  }
  return { confPath, directives, stdinConfig };
}
