// The programs of dockerImageInputs.e2e.test.ts: RemoteImage and RegistryImage with every input the SDK declares,
// built FROM the local base (the engine has no Internet) or pulled from the private test registries, by both of
// upstream's builds (the legacy one with useLegacyBuilder, the buildx one without). `applied` is the program whose
// inputs the engine must show (v1 the first `up`, v2 with in-place and ForceNew changes); `refusedByEngine` holds one
// resource per input the engine, buildx or the plugin refuses at create; `refusedAtCheck` what the plugin refuses at
// Check for each build.
import type { Registry } from "./registry";
import type { Json, Spec } from "./specProgram";

export const BASE = "queuekit/redis:7-local";
export const MiB = 2 ** 20;
/** Image names in the throw-away engine. */
export const img = (what: string) => `qk-imgin/${what}:1`;

export interface Dirs {
  /** The build context: a Dockerfile per case (see the test's before()). */
  readonly context: string;
  /** A build secret's source file (outside the context). */
  readonly secretFile: string;
  /** The buildx build's log file (build.buildLogFile). */
  readonly buildLog: string;
}

export interface Version {
  readonly v: 1 | 2;
  /** staged's build arg (ForceNew). */
  readonly arg: string;
  /** trig's pullTriggers (ForceNew): the registry digest it should pull. */
  readonly trigDigest: string;
  /** regkept's triggers (ForceNew). */
  readonly trigger: string;
}

export interface Registries {
  /** Plain HTTP: the provider's registryAuth has its credentials. */
  readonly plain: Registry;
  /** HTTPS with a self-signed certificate: only a resource's authConfig has its credentials. */
  readonly tls: Registry;
}

/** upstream's default build: the buildx library (no useLegacyBuilder). */
const buildx = (dirs: Dirs, dockerfile: string, extra: Json = {}): Json => ({
  context: dirs.context,
  dockerfile,
  ...extra,
});

/** upstream's legacy build (useLegacyBuilder). */
const legacy = (dirs: Dirs, dockerfile: string, extra: Json = {}): Json =>
  buildx(dirs, dockerfile, { useLegacyBuilder: true, ...extra });

const secrets = (dirs: Dirs) => [
  { id: "qkfile", src: dirs.secretFile },
  { id: "qkenv", env: "QK_BUILD_SECRET" },
];
const LIMITS = { shmSize: 96 * MiB, ulimits: [{ name: "nofile", soft: 1111, hard: 2222 }] };

/** The provider: the plain registry's credentials only (a Pulumi secret). */
export function provider(host: string, r: Registries): Json {
  return {
    host,
    registryAuth: [
      { address: `http://${r.plain.address}`, username: r.plain.user, password: { $secret: r.plain.password } },
    ],
  };
}

export function applied(host: string, r: Registries, dirs: Dirs, ver: Version, remoteContext: string): Spec {
  const two = ver.v === 2;
  const plain = r.plain.address;
  return {
    provider: provider(host, r),
    resources: [
      {
        // Most build options at once, each read back in the image (labels) or a file a RUN step wrote.
        kind: "RemoteImage",
        name: "staged",
        args: {
          name: img("staged"),
          keepLocally: false,
          build: legacy(dirs, "Dockerfile.stages", {
            target: "one",
            buildArgs: { QK_ARG: ver.arg },
            labels: { "queuekit.labels": "yes" },
            tags: ["qk-imgin/staged:extra"],
            extraHosts: ["qk-extra.test:10.7.7.7"],
            networkMode: "none",
            secrets: secrets(dirs),
            isolation: "default",
            buildId: "qk-imgin-build",
            suppressOutput: true,
            remove: true,
            forceRemove: true,
            platform: "linux/amd64",
            pullParent: false,
            noCache: false,
          }),
        },
      },
      // noCache: the same RUN step (a random ID) after uuid-a: from the cache without it, run again with it.
      {
        kind: "RemoteImage",
        name: "uuidA",
        args: { name: img("uuid-a"), build: legacy(dirs, "Dockerfile.uuid") },
      },
      {
        kind: "RemoteImage",
        name: "uuidCached",
        args: {
          name: img("uuid-cached"),
          build: legacy(dirs, "Dockerfile.uuid", { labels: { "queuekit.after": { $ref: "uuidA.imageId" } } }),
        },
      },
      {
        // build.platform: FROM scratch needs no emulator, so the engine builds an arm64 image.
        kind: "RemoteImage",
        name: "arm",
        args: { name: img("arm"), build: legacy(dirs, "Dockerfile.scratch", { platform: "linux/arm64" }) },
      },
      {
        // The buildx build: staged's checks again, plus what only buildx reads (label, builder, buildLogFile,
        // cacheTos, attestations off); built on the provider's engine although DOCKER_HOST names no engine.
        kind: "RemoteImage",
        name: "bx",
        args: {
          name: img("bx"),
          keepLocally: false,
          build: buildx(dirs, "Dockerfile.stages", {
            target: "one",
            buildArgs: { QK_ARG: "bx" },
            label: { "queuekit.label": "singular" },
            tags: ["qk-imgin/bx:extra"],
            extraHosts: ["qk-extra.test:10.7.7.7"],
            networkMode: "none",
            secrets: secrets(dirs),
            platform: "linux/amd64",
            builder: "default",
            buildLogFile: dirs.buildLog,
            cacheTos: ["type=inline"],
            cacheFroms: [`${plain}/e2e/bxcache:1`],
            provenance: "false",
            sbom: "false",
            pullParent: false,
            noCache: false,
            remove: true,
            forceRemove: true,
            isolation: "default",
          }),
        },
      },
      {
        // buildx and the legacy build share the engine's BuildKit cache: uuid-a's RUN layer; noCache runs it again.
        // Chained by $ref (uuidA, uuidCached, bxCached, bxNoCache, uuidNoCache): run at once, BuildKit shares a run.
        kind: "RemoteImage",
        name: "bxCached",
        args: {
          name: img("bx-cached"),
          build: buildx(dirs, "Dockerfile.uuid", { label: { "queuekit.after": { $ref: "uuidCached.imageId" } } }),
        },
      },
      {
        kind: "RemoteImage",
        name: "bxNoCache",
        args: {
          name: img("bx-nocache"),
          build: buildx(dirs, "Dockerfile.uuid", {
            noCache: true,
            label: { "queuekit.after": { $ref: "bxCached.imageId" } },
          }),
        },
      },
      {
        kind: "RemoteImage",
        name: "uuidNoCache",
        args: {
          name: img("uuid-nocache"),
          // After bx-nocache (a $ref): built at the same time, BuildKit would share the one run of the step.
          build: legacy(dirs, "Dockerfile.uuid", {
            noCache: true,
            labels: { "queuekit.after": { $ref: "bxNoCache.imageId" } },
          }),
        },
      },
      {
        kind: "RemoteImage",
        name: "bxArm",
        args: { name: img("bx-arm"), build: buildx(dirs, "Dockerfile.scratch", { platform: "linux/arm64" }) },
      },
      {
        // A buildx build pushed: RegistryImage's build is the same function.
        kind: "RegistryImage",
        name: "bxPush",
        args: {
          name: `${plain}/e2e/bx:1`,
          build: buildx(dirs, "Dockerfile", { buildArgs: { QK_ARG: "bx" }, label: { "queuekit.bx": "yes" } }),
          keepRemotely: false,
        },
      },
      {
        // build.remoteContext: the engine fetches the context (a tar) over HTTP; `context` is sent but not used.
        kind: "RemoteImage",
        name: "remote",
        args: { name: img("remote"), build: legacy(dirs, "Dockerfile", { remoteContext }) },
      },
      // platform: both tags are one manifest list (amd64 + arm64); each pull takes its platform's image.
      {
        kind: "RemoteImage",
        name: "multiArm",
        args: { name: `${plain}/e2e/multi:1`, platform: "linux/arm64", keepLocally: false },
      },
      {
        kind: "RemoteImage",
        name: "multiAmd",
        args: { name: `${plain}/e2e/multi:2`, platform: "linux/amd64", keepLocally: false },
      },
      {
        // pullTriggers (ForceNew): a new digest replaces it, and the replacement pulls the registry's new image.
        kind: "RemoteImage",
        name: "trig",
        args: { name: `${plain}/e2e/trig:1`, pullTriggers: [ver.trigDigest], keepLocally: false },
      },
      // forceRemove / keepLocally: changed in place by v2, read by the destroy.
      {
        kind: "RemoteImage",
        name: "forced",
        args: {
          name: img("forced"),
          forceRemove: two,
          triggers: { v: "1" },
          build: legacy(dirs, "Dockerfile", { buildArgs: { QK_ARG: "forced" } }),
        },
      },
      {
        kind: "RemoteImage",
        name: "unforced",
        args: {
          name: img("unforced"),
          forceRemove: false,
          build: legacy(dirs, "Dockerfile", { buildArgs: { QK_ARG: "unforced" } }),
        },
      },
      {
        kind: "RemoteImage",
        name: "kept",
        args: {
          name: img("kept"),
          keepLocally: two,
          build: legacy(dirs, "Dockerfile", { buildArgs: { QK_ARG: "kept" } }),
        },
      },
      {
        // RegistryImage: built here, pushed to the HTTPS registry with its own authConfig (the provider has no
        // credentials for it) and insecureSkipVerify (its certificate is self-signed).
        kind: "RegistryImage",
        name: "regpush",
        args: {
          name: `${r.tls.address}/e2e/built:1`,
          build: legacy(dirs, "Dockerfile", {
            buildArgs: { QK_ARG: "registry" },
            labels: { "queuekit.registry": "yes" },
          }),
          authConfig: {
            address: `https://${r.tls.address}`,
            username: r.tls.user,
            password: { $secret: r.tls.password },
          },
          insecureSkipVerify: true,
          keepRemotely: false,
        },
      },
      {
        // triggers (ForceNew) re-push it; keepRemotely (v2) keeps it after the destroy.
        kind: "RegistryImage",
        name: "regkept",
        args: {
          name: `${plain}/e2e/kept:1`,
          build: legacy(dirs, "Dockerfile", { buildArgs: { QK_ARG: "kept" } }),
          triggers: { v: ver.trigger },
          keepRemotely: two,
        },
      },
    ],
  };
}

/** One resource per input the engine (or upstream's build) refuses; `up --continue-on-error` tries them all. */
export function refusedByEngine(host: string, r: Registries, dirs: Dirs): Spec {
  const remote = (name: string, build: Json): Spec["resources"][number] => ({
    kind: "RemoteImage",
    name,
    args: { name: img(`r-${name.toLowerCase()}`), build },
  });
  return {
    provider: provider(host, r),
    resources: [
      remote("squash", legacy(dirs, "Dockerfile", { squash: true })),
      remote("securityOpts", legacy(dirs, "Dockerfile", { securityOpts: ["seccomp=unconfined"] })),
      remote("isolation", legacy(dirs, "Dockerfile", { isolation: "process" })),
      remote("networkMode", legacy(dirs, "Dockerfile", { networkMode: "bridge" })),
      remote("pullParent", legacy(dirs, "Dockerfile", { pullParent: true })),
      // cacheFroms: accepted; the engine asks the registry for the cache image (none there: built without it).
      remote("cacheFroms", legacy(dirs, "Dockerfile", { cacheFroms: [`${r.plain.address}/e2e/cache:1`] })),
      // shmSize and ulimits: this engine's BuildKit (Docker 20.10) would ignore them; the plugin refuses at create.
      remote("limits", legacy(dirs, "Dockerfile", LIMITS)),
      remote("bxLimits", buildx(dirs, "Dockerfile", { ...LIMITS, cgroupParent: "qk-imgin" })),
      // What this engine's BuildKit or buildx's docker driver cannot do, refused by them.
      remote("bxContexts", buildx(dirs, "Dockerfile", { additionalContexts: ["extra=/tmp"] })),
      remote("bxProvenance", buildx(dirs, "Dockerfile", { provenance: "true" })),
      remote("bxSbom", buildx(dirs, "Dockerfile", { sbom: "true" })),
      remote("bxCacheTo", buildx(dirs, "Dockerfile", { cacheTos: [`type=registry,ref=${r.plain.address}/e2e/c:1`] })),
      remote("bxBuilder", buildx(dirs, "Dockerfile", { builder: "qk-none" })),
      remote("bxNetwork", buildx(dirs, "Dockerfile", { networkMode: "bridge" })),
      {
        kind: "RegistryImage",
        name: "insecureSkipVerify",
        args: {
          name: `${r.tls.address}/e2e/verified:1`,
          build: legacy(dirs, "Dockerfile"),
          authConfig: {
            address: `https://${r.tls.address}`,
            username: r.tls.user,
            password: { $secret: r.tls.password },
          },
          insecureSkipVerify: false,
        },
      },
    ],
  };
}

/** A build's resource limits: neither build applies them (the engine's BuildKit ignores them; buildx makes build args). */
const RESOURCE_LIMITS = {
  memory: 64 * MiB,
  memorySwap: 128 * MiB,
  cpuShares: 512,
  cpuQuota: 50_000,
  cpuPeriod: 100_000,
  cpuSetCpus: "0",
  cpuSetMems: "0",
};
const AUTH_CONFIGS = [{ hostName: "127.0.0.1:29310", userName: "queuekit", password: "not-sent" }];

/** Every build input the plugin refuses at Check with useLegacyBuilder (dropped by upstream's legacy build or the engine's BuildKit). */
export const DROPPED_BY_LEGACY: Json = {
  label: { "queuekit.label": "singular" },
  additionalContexts: ["extra=/tmp"],
  cacheTos: ["type=inline"],
  builder: "default",
  buildLogFile: "/tmp/qk-imgin-build.log",
  provenance: "false",
  sbom: "false",
  sessionId: "qk-session",
  version: "1",
  ...RESOURCE_LIMITS,
  cgroupParent: "qk-imgin",
  remove: false,
  authConfigs: AUTH_CONFIGS,
};

/** Every build input the plugin refuses at Check without useLegacyBuilder (never read or mangled by the buildx build). */
export const DROPPED_BY_BUILDX: Json = {
  labels: { "queuekit.labels": "plural" },
  authConfigs: AUTH_CONFIGS,
  buildId: "qk-imgin-build",
  remoteContext: "http://127.0.0.1:29312/ctx.tar",
  securityOpts: ["seccomp=unconfined"],
  sessionId: "qk-session",
  version: "2",
  squash: true,
  suppressOutput: true,
  ...RESOURCE_LIMITS,
  isolation: "hyperv",
  remove: false,
};

export type Builder = "legacy" | "buildx";

export function refusedAtCheck(
  host: string,
  r: Registries,
  dirs: Dirs,
  kind: "RemoteImage" | "RegistryImage",
  builder: Builder,
): Spec {
  const build =
    builder === "legacy"
      ? legacy(dirs, "Dockerfile", DROPPED_BY_LEGACY)
      : buildx(dirs, "Dockerfile", DROPPED_BY_BUILDX);
  return {
    provider: provider(host, r),
    resources: [
      {
        kind,
        name: "dropped",
        args: { name: kind === "RemoteImage" ? img("dropped") : `${r.plain.address}/e2e/dropped:1`, build },
      },
    ],
  };
}
