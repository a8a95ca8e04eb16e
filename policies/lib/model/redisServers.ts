// Redis servers found anywhere — in a container (argv + its uploaded/bound config file), or as a bare
// redis.conf delivered to a host — with the settings the pack can see and a note of what it cannot.
import { readArgv } from "../parse/commandLine";
import { where, type ContainerSpec, type Extraction, type HostFile, type Port } from "./extraction";
import { classify } from "./deliveredFiles";
import {
  applyDirective,
  emptySettings,
  isRedisImage,
  isRedisServer,
  parseRedisArgv,
  parseRedisConf,
  type RedisSettings,
} from "../parse/redisSettings";
import { isKnown, isUnknown, Unknown, type Val } from "../parse/propertyValues";
import { describeHost } from "./dockerHosts";
import type { StackFiles } from "./stackFiles";

export interface RedisInstance {
  readonly origin: string;
  readonly container?: ContainerSpec;
  /** The Docker host it runs on (undefined for the kit's component summary). */
  readonly host: Val<string>;
  /** The container's memory limit in bytes (undefined: none, or Redis runs on the host). */
  readonly limit: Val<number>;
  /** What the visible config (file, then argv) sets. */
  readonly settings: RedisSettings;
  /** Part of the config the pack cannot read; anything `settings` leaves unset may be set there. */
  readonly hidden?: Unknown;
  readonly ports: Val<Port[]>;
  readonly publishAll: Val<boolean>;
  readonly networkMode: Val<string>;
  /**
   * Its config is a file on the host that this resource does not deliver (bind-mounted from another resource's
   * file), or it is a bare redis.conf some other resource's container may mount: decided in the stack phase.
   */
  readonly acrossResources?: boolean;
}

/** A setting's value: what the visible config sets, else Unknown when some config is hidden, else undefined (Redis' default). */
export function setting<K extends keyof RedisSettings>(
  r: RedisInstance,
  key: K,
): RedisSettings[K] | Unknown | undefined {
  const v = r.settings[key];
  if (v !== undefined && !(Array.isArray(v) && v.length === 0)) return v;
  return r.hidden ?? undefined;
}

/** Whether RDB or AOF persistence is on (Redis' default is RDB snapshots). */
export function persistence(r: RedisInstance): Val<boolean> {
  const aof = setting(r, "appendonly");
  if (aof === true) return true;
  const save = setting(r, "save");
  if (isUnknown(aof)) return aof;
  if (isUnknown(save)) return save;
  return save !== false;
}

/**
 * The Redis servers of one resource's extraction. With `stack`, config files bind-mounted from other
 * resources' files are read, and a bare redis.conf that some container of the stack mounts is left to it.
 */
export function redisInstances(ex: Extraction, stack?: StackFiles): RedisInstance[] {
  const out: RedisInstance[] = [];
  const mounted = new Set<string>();
  for (const c of ex.containers) {
    const r = fromContainer(c, stack);
    if (!r) continue;
    out.push(r);
    for (const f of c.files) if (f.hostPath) mounted.add(f.hostPath);
  }
  for (const f of ex.files) {
    if (mounted.has(f.path) || typeof f.content !== "string" || classify(f.path, f.content) !== "redis-conf") continue;
    if (stack?.isMounted(f.host, f.path)) continue;
    out.push(fromFile(f, f.content));
  }
  return out;
}

function fromFile(f: HostFile, content: string): RedisInstance {
  const settings = parseRedisConf(content);
  return {
    origin: `redis config ${f.origin}`,
    host: f.host,
    limit: undefined,
    settings,
    hidden: settings.includes.length
      ? new Unknown(`include ${settings.includes.join(", ")}`, "is not followed by the pack")
      : undefined,
    ports: [],
    publishAll: undefined,
    networkMode: undefined,
    acrossResources: true,
  };
}

function fromContainer(c: ContainerSpec, stack?: StackFiles): RedisInstance | undefined {
  const image = c.image;
  const redisImage = isKnown(image) && isRedisImage(image);
  let args: { text: string; dynamic: boolean }[] | undefined;
  let hidden: Unknown | undefined;
  if (isUnknown(c.argv)) {
    if (!redisImage) return undefined;
    hidden = c.argv;
    args = [];
  } else if (c.argv === undefined) {
    if (!redisImage) return undefined;
    args = [];
  } else if (redisImage && c.argv[0]?.text.startsWith("-")) {
    args = c.argv; // the official entrypoint runs `redis-server "$@"` for arguments starting with "-"
  } else {
    const server = readArgv(c.argv).invocations.find(
      (inv) => !inv.argv[0]!.dynamic && isRedisServer(inv.argv[0]!.text),
    );
    if (!server) return undefined;
    args = server.argv.slice(1);
  }
  const argv = parseRedisArgv(args);
  const settings = emptySettings();
  let acrossResources = false;
  if (argv.stdinConfig) hidden ??= new Unknown("the config read from stdin (`redis-server -`)", "is not visible");
  if (argv.confPath) {
    let file: { content: string | Unknown } | undefined = c.files.find(
      (f) => f.path === argv.confPath || f.path.endsWith("/" + argv.confPath!.replace(/^\.\//, "")),
    );
    const hostPath = file ? undefined : boundHostPath(c, argv.confPath);
    if (hostPath !== undefined) {
      // Bind-mounted from the host: another resource may deliver it (read in the stack phase).
      acrossResources = true;
      file = stack?.file(c.host, hostPath);
      if (!file)
        hidden ??= new Unknown(
          `config file ${argv.confPath} (host file ${hostPath} on ${describeHost(c.host)})`,
          "is bind-mounted from a host file that no resource of this stack delivers (CopyToRemote, a command writing it), so its settings are not visible",
        );
    } else if (!file)
      hidden ??= new Unknown(
        `config file ${argv.confPath}`,
        "is not delivered by this resource (uploads, or a file it writes and bind-mounts) nor bind-mounted from the host, so its settings are not visible",
      );
    const content = file?.content;
    if (isUnknown(content)) hidden ??= content.relabel(`config file ${argv.confPath} (${content.what})`);
    else if (content !== undefined) {
      parseRedisConf(content, settings);
      if (settings.includes.length)
        hidden ??= new Unknown(`include ${settings.includes.join(", ")}`, "is not followed by the pack");
    }
  }
  for (const d of argv.directives) applyDirective(settings, d.name, d.args, d.dynamic);
  return {
    origin: where(c),
    container: c,
    host: c.host,
    limit: c.memory,
    settings,
    hidden,
    ports: c.ports,
    publishAll: c.publishAll,
    networkMode: c.networkMode,
    acrossResources,
  };
}

/** Where a path inside the container comes from on the host, when a bind mount covers it. */
function boundHostPath(c: ContainerSpec, inner: string): string | undefined {
  for (const b of c.binds ?? []) {
    const target = b.target.replace(/\/+$/, "");
    if (inner === target) return b.source;
    if (inner.startsWith(target + "/")) return `${b.source.replace(/\/+$/, "")}/${inner.slice(target.length + 1)}`;
  }
  return undefined;
}
