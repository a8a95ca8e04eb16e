// docker-compose files → the settings of each service that matter here. Compose interpolation: `${VAR:-x}`
// and `${VAR-x}` read as their default x; `${VAR}` / `$VAR` without one is not visible (Unknown); `$$` is `$`.
import type * as Yaml from "yaml";
import { splitWords } from "./shell";
import { isRecord, Unknown, type Val } from "./propertyValues";
import { ALL_HARDENING, type Hardening } from "../model/extraction";

export interface ComposePort {
  readonly hostIp?: string;
  /** Undefined: Docker picks a host port. */
  readonly hostPort?: string;
  readonly containerPort: string;
  readonly protocol: string;
}

export interface ComposeService {
  readonly name: string;
  readonly image: Val<string>;
  readonly entrypoint: Val<string[]>;
  readonly command: Val<string[]>;
  readonly memLimit: Val<string | number>;
  readonly memswapLimit: Val<string | number>;
  readonly memReservation: Val<string | number>;
  readonly oomKillDisable: Val<boolean>;
  readonly oomScoreAdj: Val<number>;
  readonly privileged: Val<boolean>;
  readonly capAdd: Val<string[]>;
  readonly restart: Val<string>;
  readonly healthcheck: "set" | "disabled" | "absent";
  readonly logDriver: Val<string>;
  readonly logOptions: Val<Record<string, string>>;
  readonly ports: Val<ComposePort[]>;
  readonly networkMode: Val<string>;
  readonly replicas: Val<number>;
  /** Bind mounts: host path (relative to the compose file's directory when not absolute) → container path. */
  readonly binds: readonly { source: string; target: string }[];
  /** read_only, cap_drop, security_opt, pids_limit (or deploy.resources.limits.pids), cpu_shares, user. */
  readonly hardening: Hardening;
}

export interface ComposeFile {
  readonly services: readonly ComposeService[];
  readonly problems: readonly string[];
}

/**
 * Conventional compose file names: compose.yaml, docker-compose.yml, docker-compose.prod.yaml,
 * compose.override.yml — and the same in JSON (compose.json), which Compose reads as YAML.
 */
export const isComposeName = (path: string): boolean =>
  /(^|\/)(docker-)?compose([.-][\w.-]+)?\.(ya?ml|json)$/i.test(path);

/** A YAML document with a top-level `services` map, or a JSON object with a `services` key (any name). */
export function looksLikeCompose(path: string, text: string): boolean {
  return (
    isComposeName(path) ||
    (/\.ya?ml$/i.test(path) && /^services\s*:/m.test(text)) ||
    (/\.json$/i.test(path) && /^\s*\{/.test(text) && /"services"\s*:/.test(text))
  );
}

// The YAML parser is loaded on the first compose file: most previews deliver none, and loading it is a tenth of
// the pack's start-up (scripts/bench-policies.ts, "pack start-up").
let yaml: typeof Yaml | undefined;
const parse = (
  text: string,
  options: Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions,
): unknown => (yaml ??= loadYaml()).parse(text, options);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadYaml = (): typeof Yaml => require("yaml") as typeof Yaml;

export function parseCompose(text: string): ComposeFile {
  let doc: unknown;
  try {
    // logLevel "error": compose's own `!reset`/`!override` tags would otherwise print warnings into the preview.
    doc = parse(text, { merge: true, maxAliasCount: 1000, logLevel: "error" });
  } catch (e) {
    return { services: [], problems: [`not valid YAML: ${(e as Error).message.split("\n")[0]}`] };
  }
  if (!isRecord(doc) || !isRecord(doc["services"])) return { services: [], problems: ["no `services:` map"] };
  const problems: string[] = [];
  const services = Object.entries(doc["services"])
    .filter(([, s]) => isRecord(s))
    .map(([name, s]) => service(name, s as Record<string, unknown>, problems));
  return { services, problems };
}

function service(name: string, s: Record<string, unknown>, problems: string[]): ComposeService {
  const at = (path: string): Val<unknown> => {
    let cur: unknown = s;
    for (const step of path.split(".")) cur = isRecord(cur) ? cur[step] : undefined;
    return interpolate(cur, `services.${name}.${path}`);
  };
  const deploy = (p: string): Val<unknown> => at(`deploy.${p}`);
  const memLimit = first(deploy("resources.limits.memory"), at("mem_limit"));
  const hc = s["healthcheck"];
  const healthcheck = !isRecord(hc)
    ? "absent"
    : hc["disable"] === true || (Array.isArray(hc["test"]) && hc["test"][0] === "NONE")
      ? "disabled"
      : "set";
  const logging = s["logging"];
  return {
    name,
    image: asString(at("image")),
    entrypoint: argv(at("entrypoint"), problems, name),
    command: argv(at("command"), problems, name),
    memLimit: asSize(memLimit),
    memswapLimit: asSize(at("memswap_limit")),
    memReservation: asSize(first(deploy("resources.reservations.memory"), at("mem_reservation"))),
    oomKillDisable: asBool(at("oom_kill_disable")),
    oomScoreAdj: asNumber(at("oom_score_adj")),
    privileged: asBool(at("privileged")),
    capAdd: asStrings(at("cap_add")),
    // Compose applies deploy.restart_policy over `restart` when both are given.
    restart: isRecord(at("deploy.restart_policy"))
      ? composeRestart(asString(deploy("restart_policy.condition")), asNumber(deploy("restart_policy.max_attempts")))
      : asString(at("restart")),
    healthcheck,
    logDriver: isRecord(logging)
      ? asString(interpolate(logging["driver"], `services.${name}.logging.driver`))
      : undefined,
    logOptions:
      isRecord(logging) && isRecord(logging["options"])
        ? stringRecord(logging["options"], `services.${name}.logging.options`)
        : undefined,
    ports: ports(s["ports"], name),
    networkMode: asString(at("network_mode")),
    replicas: deploy("mode") === "global" ? 1 : asNumber(first(deploy("replicas"), at("scale"))),
    binds: binds(s["volumes"]),
    hardening: {
      readOnlyRoot: asBool(at("read_only")),
      capDrop: asStrings(at("cap_drop")),
      securityOpts: asStrings(at("security_opt")),
      pidsLimit: asNumber(first(deploy("resources.limits.pids"), at("pids_limit"))),
      cpuShares: asNumber(at("cpu_shares")),
      user: asString(at("user")),
      settable: ALL_HARDENING,
    },
  };
}

const first = <T>(a: Val<T>, b: Val<T>): Val<T> => (a !== undefined ? a : b);

/** Compose's interpolation of one scalar (recursing into lists and maps). */
function interpolate(v: unknown, where: string): Val<unknown> {
  if (typeof v === "string") {
    let unknownVar: string | undefined;
    const out = v.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m, braced, op, word, bare) => {
        if (m === "$$") return "$";
        if (op === "-" || op === ":-") return word ?? "";
        unknownVar ??= braced ?? bare;
        return m;
      },
    );
    return unknownVar ? new Unknown(where, `comes from $${unknownVar} in the environment of \`docker compose\``) : out;
  }
  if (Array.isArray(v)) {
    const items = v.map((e, i) => interpolate(e, `${where}[${i}]`));
    return items.find((e) => e instanceof Unknown) ?? items;
  }
  return v;
}

function asString(v: Val<unknown>): Val<string> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}
function asNumber(v: Val<unknown>): Val<number> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
function asBool(v: Val<unknown>): Val<boolean> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return /^(true|yes|on|1)$/i.test(v.trim());
  return undefined;
}
function asSize(v: Val<unknown>): Val<string | number> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  return typeof v === "number" || typeof v === "string" ? v : undefined;
}
function asStrings(v: Val<unknown>): Val<string[]> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  return Array.isArray(v) ? v.map(String) : undefined;
}
function stringRecord(v: Record<string, unknown>, where: string): Val<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, e] of Object.entries(v)) {
    const i = interpolate(e, `${where}.${k}`);
    if (i instanceof Unknown) return i;
    out[k] = String(i);
  }
  return out;
}

/** `command:` / `entrypoint:` — a list is the argv; a string is split into shell words. */
function argv(v: Val<unknown>, problems: string[], name: string): Val<string[]> {
  if (v === undefined || v === null || v instanceof Unknown) return v ?? undefined;
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === "string") {
    const split = splitWords(v);
    problems.push(...split.problems.map((p) => `services.${name}: ${p}`));
    return split.words;
  }
  return undefined;
}

/**
 * deploy.restart_policy → the docker run name: condition `any` (the spec's default) → always, `none` → no,
 * `on-failure` with max_attempts N → on-failure:N (the engine takes a retry count with on-failure only).
 */
function composeRestart(c: Val<string>, attempts: Val<number>): Val<string> {
  if (c instanceof Unknown) return c;
  const name = c === undefined || c === "any" ? "always" : c === "none" ? "no" : c;
  if (name !== "on-failure" || attempts === undefined) return name;
  if (attempts instanceof Unknown) return attempts;
  return attempts > 0 ? `on-failure:${attempts}` : name;
}

/** Short (`"127.0.0.1:6379:6379/tcp"`, `"[::1]:80:80"`, `"6379"`) and long (`{target, published, host_ip}`) syntax. */
function ports(v: unknown, name: string): Val<ComposePort[]> {
  if (v === undefined || v === null) return undefined;
  const where = `services.${name}.ports`;
  const items = interpolate(v, where);
  if (items instanceof Unknown) return items;
  if (!Array.isArray(items)) return undefined;
  const out: ComposePort[] = [];
  for (const p of items) {
    if (isRecord(p)) {
      // `published` may carry the address itself: "127.0.0.1:8080", "[::1]:8080".
      const published = p["published"] === undefined ? undefined : String(p["published"]);
      const bound = published === undefined ? undefined : /^\[?([^\]]*:[^\]]*|[\d.]+)\]?:([^:]*)$/.exec(published);
      out.push({
        hostIp: p["host_ip"] !== undefined ? String(p["host_ip"]) : bound ? bound[1] : undefined,
        hostPort: bound ? bound[2] || undefined : published,
        containerPort: String(p["target"]),
        protocol: String(p["protocol"] ?? "tcp"),
      });
    } else if (typeof p === "string" || typeof p === "number") {
      out.push(shortPort(String(p)));
    }
  }
  return out;
}

/** `[ip:][host:]container[/proto]`, the ip possibly in brackets (IPv6). Shared with `docker run -p`. */
export function shortPort(spec: string): ComposePort {
  let rest = spec.trim();
  let protocol = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(":");
  if (!hostIp && parts.length > 3) {
    // Unbracketed IPv6 address: everything but the last two parts.
    const containerPort = parts.pop()!;
    const hostPort = parts.pop()!;
    return { hostIp: parts.join(":"), hostPort: hostPort || undefined, containerPort, protocol };
  }
  if (parts.length === 3)
    return { hostIp: parts[0] || undefined, hostPort: parts[1] || undefined, containerPort: parts[2]!, protocol };
  if (parts.length === 2) return { hostIp, hostPort: parts[0] || undefined, containerPort: parts[1]!, protocol };
  return { hostIp, containerPort: parts[0]!, protocol };
}

/** `volumes:` entries that bind a host path: "./redis.conf:/etc/redis.conf:ro" or {type: bind, source, target}. */
function binds(v: unknown): { source: string; target: string }[] {
  if (!Array.isArray(v)) return [];
  const out: { source: string; target: string }[] = [];
  for (const e of v) {
    if (typeof e === "string") {
      const [source, target] = e.split(":");
      if (source && target && /^[./~]/.test(source)) out.push({ source, target });
    } else if (
      isRecord(e) &&
      e["type"] === "bind" &&
      typeof e["source"] === "string" &&
      typeof e["target"] === "string"
    ) {
      out.push({ source: e["source"], target: e["target"] });
    }
  }
  return out;
}
