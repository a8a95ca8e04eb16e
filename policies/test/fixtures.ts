// Resources for tests, written once and delivered two ways:
//   asRaw()    — the plain objects a raw-object unit test would pass (pulumi asset objects, secrets unwrapped);
//   asEngine() — the JSON the Pulumi engine marshals into the Analyze request's protobuf Struct: unknowns as
//                the engine's sentinel strings, secrets and assets under Pulumi's signature key.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
/** What the engine sends for a computed value (resource/plugin/rpc.go: a computed string). */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

class UnknownMarker {}
class SecretMarker {
  constructor(readonly value: unknown) {}
}
type AssetSpec = { kind: "text"; text: string } | { kind: "file"; path: string } | { kind: "remote"; uri: string };
class AssetMarker {
  constructor(readonly spec: AssetSpec) {}
}
type ArchiveSpec =
  | { kind: "assets"; assets: Record<string, AssetMarker | ArchiveMarker> }
  | { kind: "dir"; path: string };
class ArchiveMarker {
  constructor(readonly spec: ArchiveSpec) {}
}

/** A value not known during preview (the output of a resource not created yet). */
export const unknown = (): unknown => new UnknownMarker();
/** A Pulumi secret. */
export const secret = (value: unknown): unknown => new SecretMarker(value);
export const stringAsset = (text: string): unknown => new AssetMarker({ kind: "text", text });
export const fileAsset = (path: string): unknown => new AssetMarker({ kind: "file", path });
export const remoteAsset = (uri: string): unknown => new AssetMarker({ kind: "remote", uri });
export const assetArchive = (assets: Record<string, unknown>): unknown =>
  new ArchiveMarker({ kind: "assets", assets: assets as Record<string, AssetMarker | ArchiveMarker> });
export const fileArchive = (path: string): unknown => new ArchiveMarker({ kind: "dir", path });

export interface Fixture {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  /** Provider inputs (e.g. { host: "ssh://root@10.0.0.5" } for a docker provider). */
  readonly provider?: { readonly type: string; readonly name: string; readonly props: Record<string, unknown> };
  readonly parent?: string;
}

export const urnOf = (f: { type: string; name: string }): string => `urn:pulumi:test::queuekit::${f.type}::${f.name}`;

/** Plain objects, as a raw-object test would build them. */
export function asRaw(v: unknown): unknown {
  if (v instanceof UnknownMarker) return UNKNOWN_STRING;
  if (v instanceof SecretMarker) return asRaw(v.value);
  if (v instanceof AssetMarker) {
    const s = v.spec;
    return s.kind === "text"
      ? new pulumi.asset.StringAsset(s.text)
      : s.kind === "file"
        ? new pulumi.asset.FileAsset(s.path)
        : new pulumi.asset.RemoteAsset(s.uri);
  }
  if (v instanceof ArchiveMarker) {
    const s = v.spec;
    if (s.kind === "dir") return new pulumi.asset.FileArchive(s.path);
    return new pulumi.asset.AssetArchive(
      Object.fromEntries(Object.entries(s.assets).map(([k, a]) => [k, asRaw(a)])) as Record<string, pulumi.asset.Asset>,
    );
  }
  if (Array.isArray(v)) return v.map(asRaw);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, asRaw(e)]));
  return v;
}

/** JSON as the engine marshals it for the analyzer (MarshalOptions{KeepUnknowns, KeepSecrets}). */
export function asEngine(v: unknown): unknown {
  if (v instanceof UnknownMarker) return UNKNOWN_STRING;
  if (v instanceof SecretMarker) return { [SIG]: SECRET_SIG, value: asEngine(v.value) };
  if (v instanceof AssetMarker) {
    const s = v.spec;
    const body = s.kind === "text" ? { text: s.text } : s.kind === "file" ? { path: s.path } : { uri: s.uri };
    return { [SIG]: ASSET_SIG, hash: createHash("sha256").update(JSON.stringify(body)).digest("hex"), ...body };
  }
  if (v instanceof ArchiveMarker) {
    const s = v.spec;
    if (s.kind === "dir") return { [SIG]: ARCHIVE_SIG, hash: "0".repeat(64), path: s.path };
    return {
      [SIG]: ARCHIVE_SIG,
      hash: "0".repeat(64),
      assets: Object.fromEntries(Object.entries(s.assets).map(([k, a]) => [k, asEngine(a)])),
    };
  }
  if (Array.isArray(v)) return v.map(asEngine);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, e]) => e !== undefined)
        .map(([k, e]) => [k, asEngine(e)]),
    );
  return v;
}

// ---- builders for the resource types the pack reads -------------------------------------------------------

export const T = {
  container: "docker:index/container:Container",
  service: "docker:index/service:Service",
  local: "command:local:Command",
  remote: "command:remote:Command",
  copy: "command:remote:CopyToRemote",
  vps: "queuekit:host:VpsHost",
  redis: "queuekit:redis:RedisBroker",
  pool: "queuekit:celery:WorkerPool",
} as const;

const DOCKER_PROVIDER = "pulumi:providers:docker";

/** A docker.Container that passes every rule; override what a case is about. */
/** CIS 5.x hardening every fixture container has (the container-hardening advisories; no PIDs limit in the provider). */
export const HARDENED = {
  readOnly: true,
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  cpuShares: 512,
  user: "999",
};

export function container(name: string, props: Record<string, unknown> = {}, dockerHost?: string): Fixture {
  return {
    type: T.container,
    name,
    props: {
      name,
      image: "busybox:1.36",
      command: ["sleep", "infinity"],
      memory: 128,
      memorySwap: 128,
      restart: "unless-stopped",
      healthcheck: { tests: ["CMD", "true"], interval: "10s" },
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
      ...HARDENED,
      ...props,
    },
    provider: { type: DOCKER_PROVIDER, name: "default", props: dockerHost ? { host: dockerHost } : {} },
  };
}

export const SAFE_REDIS_CONF = "maxmemory 350mb\nmaxmemory-policy noeviction\nappendonly yes\nrequirepass s3cret\n";

/** A Redis container (512 MiB, conf uploaded) that passes every rule. */
export function redisContainer(
  name: string,
  props: Record<string, unknown> = {},
  conf = SAFE_REDIS_CONF,
  dockerHost?: string,
): Fixture {
  return container(
    name,
    {
      image: "redis:7.2",
      command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
      memory: 512,
      memorySwap: 512,
      uploads: [{ file: "/usr/local/etc/redis/redis.conf", content: secret(conf) }],
      healthcheck: { tests: ["CMD", "redis-cli", "ping"] },
      ...props,
    },
    dockerHost,
  );
}

/** A prefork Celery worker container that passes every rule (4 × 150 MiB cap in 1 GiB). */
export function workerContainer(
  name: string,
  argv: string[] = WORKER_ARGV,
  props: Record<string, unknown> = {},
): Fixture {
  return container(name, { image: "queuekit/worker:1", command: argv, memory: 1024, memorySwap: 1024, ...props });
}
export const WORKER_ARGV = [
  "celery",
  "-A",
  "app",
  "worker",
  "--pool",
  "prefork",
  "--concurrency",
  "4",
  "--max-tasks-per-child",
  "200",
  "--max-memory-per-child",
  "153600",
];

export function localCommand(name: string, create: unknown, props: Record<string, unknown> = {}): Fixture {
  return { type: T.local, name, props: { create, ...props } };
}

export function remoteCommand(
  name: string,
  create: unknown,
  host = "203.0.113.10",
  props: Record<string, unknown> = {},
): Fixture {
  return {
    type: T.remote,
    name,
    props: {
      connection: secret({
        host,
        user: "root",
        privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
      }),
      create,
      ...props,
    },
  };
}

export function copyToRemote(name: string, remotePath: string, source: unknown, host = "203.0.113.10"): Fixture {
  return { type: T.copy, name, props: { connection: secret({ host, user: "root" }), remotePath, source } };
}

/** The kit's VpsHost summary (as the kit registers it). */
export function vpsHost(name: string, props: Record<string, unknown> = {}): Fixture {
  return {
    type: T.vps,
    name,
    props: {
      memoryBytes: 2048 * 2 ** 20,
      reserveBytes: 384 * 2 ** 20,
      swapFileBytes: 0,
      connection: { kind: "local" },
      sysctl: { overcommitMemory: 1, swappiness: 1, somaxconn: 1024 },
      thp: "never",
      ...props,
    },
  };
}
