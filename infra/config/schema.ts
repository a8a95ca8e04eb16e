// The zod schema of the stack config: each key's accepted form and its plain default. Rules across keys are in
// rules.ts, defaults that depend on other keys in defaults.ts, presets in presets.ts, side components in sides.ts.
import { z } from "zod";
import { appEnvFields, toAppEnv } from "./appEnv";
import { defaultManageDaemonJson, defaultSomaxconn, poolConcurrency, REDIS_SHARE } from "./defaults";
import { hostsRuleIssues, hostsSchema, placementSchema, redisBindOf, redisHostOf, resolvePlacement } from "./hosts";
import { imageBuildAt, imageIssues, imageRef, registriesSchema } from "./images";
import { PRESET_NAMES } from "./presets";
import { runAsKey, withRunAs } from "./runAs";
import { type AppProfile, readProfile } from "./profile";
import { SIDE_SCHEMAS, sideConfigsOf, sideRuleIssues } from "./sides";
import { orchestratorSchema, poolSwarmSchema, swarmRuleIssues } from "./swarm";
import { hostRuleIssues, poolRuleIssues, REDIS_MIN, redisMemoryIssues, workersRuleIssues } from "./rules";
import type { HostConfig, MaxmemoryPolicy, PoolKind, QueuekitConfig, ShareOrBytes, WorkerPoolConfig } from "./types";
import { formatSize, MiB, parseShare, parseSize, SHARE_FORM, SIZE_FORM } from "./units";
import { bindAddress, bool, type Ctx, int, issue, list, oneOf, reject, size, strict, text } from "./zod";

const memoryOrShare = z.unknown().transform((value, ctx): ShareOrBytes => {
  if (typeof value === "string" && value.trim().endsWith("%")) {
    const share = parseShare(value);
    return share.ok ? { share: share.value } : reject(ctx, share.reason);
  }
  const parsed = parseSize(value);
  if (!parsed.ok) return reject(ctx, `${parsed.reason}, or ${SHARE_FORM}`);
  if (parsed.value < REDIS_MIN) return reject(ctx, `too small: at least ${formatSize(REDIS_MIN)}, or ${SHARE_FORM}`);
  return { bytes: parsed.value };
});

const swapFile = z.unknown().transform((value, ctx) => {
  if (value === "none") return 0;
  const parsed = parseSize(value);
  return parsed.ok && parsed.value >= MiB ? parsed.value : reject(ctx, `"none", or ${SIZE_FORM} of at least 1MiB`);
});

const connection = z.discriminatedUnion(
  "kind",
  [
    strict("a local connection", { kind: z.literal("local") }),
    strict("an ssh connection", {
      kind: z.literal("ssh"),
      host: text('the VPS address, e.g. "203.0.113.10" or "vps.example.com"', /^[^\s@/]+$/),
      port: int(1, 65535).default(22),
      user: text('a login name, e.g. "root"', /^[^\s@:]+$/).default("root"),
      sshOptions: z
        .array(text('an ssh option word, e.g. "-i" or "IdentityFile=~/.ssh/vps"'), {
          error: 'expected a list of ssh option words, e.g. ["-i", "~/.ssh/vps"]',
        })
        .default([]),
    }),
  ],
  {
    error: () =>
      'expected {kind: "local"} or {kind: "ssh", host, port?, user?, sshOptions?} (the key is the secret queuekit:sshPrivateKey)',
  },
);

const host = strict("host", {
  memory: size(512 * MiB, " (the smallest host the kit plans for)"),
  cpus: int(1, 256),
  reserve: size(128 * MiB, " (the OS, dockerd and sshd need at least that)").optional(),
  connection: connection.prefault({ kind: "local" }),
  sysctl: strict("host.sysctl", {
    overcommitMemory: oneOf(
      [1],
      () => "Redis forks for every background save; under 0 or 2 the kernel may refuse that fork",
    ).default(1),
    swappiness: int(0, 100).default(1),
    somaxconn: int(1, 65535).optional(),
  }).prefault({}),
  transparentHugePages: oneOf(["never", "madvise"] as const, (v) =>
    v === "always" ? "Redis' forked saves copy whole 2 MiB pages on write: memory spikes and latency" : undefined,
  ).default("never"),
  swapFile: swapFile.default(0),
  emulate: bool().default(false),
  manageDaemonJson: bool().optional(),
});

const POLICIES = [
  "noeviction",
  "volatile-lru",
  "volatile-lfu",
  "volatile-ttl",
  "volatile-random",
] as const satisfies readonly MaxmemoryPolicy[];

const redis = strict("redis", {
  image: text('an image reference, e.g. "redis:7"').default("redis:7"),
  memory: memoryOrShare.default({ share: REDIS_SHARE }),
  persistence: oneOf(["none", "rdb", "aof"] as const).default("aof"),
  maxmemoryPolicy: oneOf(POLICIES, (v) =>
    typeof v === "string" && v.startsWith("allkeys-")
      ? "evicts queued tasks: Celery's queue lists carry no TTL, so an allkeys-* policy deletes them when memory is full"
      : undefined,
  ).default("noeviction"),
  bind: bindAddress("Redis").default("none"),
  port: int(1, 65535).default(6379),
  tcpBacklog: int(1, 65535).default(511),
  // Official images bundle Redis' jemalloc; distribution builds (e.g. Debian's) refuse `activedefrag yes`.
  activeDefrag: bool().default(true),
  // Redis 7's TLS: the plain-text port closes, clients verify Redis against the stack's generated CA (docs/scale-out.md).
  tls: bool().default(false),
  runAs: runAsKey().optional(),
}).transform(withRunAs);

const POOL_KINDS = ["prefork", "gevent", "threads", "solo"] as const satisfies readonly PoolKind[];

const concurrency = z
  .unknown()
  .transform((value, ctx): number | "auto" =>
    value === "auto" || (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 10000)
      ? value
      : reject(ctx, '"auto" (the most that fit, capped by cpus) or a whole number from 1 to 10000'),
  );

// A profile path is read where the stack's files are: the Pulumi project directory, or beside a --config file.
const profileAt = (baseDir: string) =>
  z.unknown().transform((value, ctx): AppProfile => {
    if (typeof value !== "string" || !/\S/.test(value))
      return reject(ctx, 'expected the path of a profile written by npm run calibrate, e.g. "profiles/app.json"');
    const read = readProfile(value, baseDir);
    return read.ok ? read.profile : reject(ctx, read.reason);
  });

const workerPoolFieldsAt = (baseDir: string) =>
  strict("a worker pool", {
    name: text(
      'a DNS label: lowercase letters, digits and "-", at most 63, e.g. "default"',
      /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    ),
    image: imageRef(),
    build: imageBuildAt(baseDir).optional(),
    app: text('the Celery app for "celery -A", e.g. "proj.celery"'),
    queues: list(text('a queue name, e.g. "celery"'), 'queue name, e.g. ["celery"]'),
    pool: oneOf(POOL_KINDS).default("prefork"),
    concurrency: concurrency.optional(),
    autoscale: strict("workers[].autoscale", { max: int(1, 1000), min: int(0, 1000) }).optional(),
    perChildMemory: size(16 * MiB, " (a Python process alone is about 19 MiB)").optional(),
    perTaskMemory: size(MiB).optional(),
    parentMemory: size(32 * MiB, " (a Python process alone is about 19 MiB)").optional(),
    maxTasksPerChild: int(1, 1_000_000).optional(),
    prefetchMultiplier: int(
      1,
      1000,
      " (0 would prefetch without limit and move a backlog into worker memory)",
    ).optional(),
    replicas: int(1, 64).default(1),
    // json: readable in Redis, no code on load; msgpack: about 5% smaller per queued message (measured).
    serializer: oneOf(["json", "msgpack"] as const).default("json"),
    softTimeLimit: int(1, 604800, " seconds").optional(),
    timeLimit: int(1, 604800, " seconds").optional(),
    allowSwap: bool().default(false),
    swap: size(MiB).optional(),
    profile: profileAt(baseDir).optional(),
    ...appEnvFields,
    runAs: runAsKey().optional(),
    swarm: poolSwarmSchema.optional(),
  });

// A pool as the plan reads it: its rules (rules.ts) checked first, its concurrency resolved (defaults.ts).
function toPoolConfig(fields: z.output<ReturnType<typeof workerPoolFieldsAt>>, ctx: Ctx): WorkerPoolConfig {
  const problems = poolRuleIssues(fields);
  for (const { path, message } of problems) issue(ctx, message, [...path]);
  const appEnv = toAppEnv(fields, ctx);
  const p = withRunAs(fields, ctx);
  if (problems.length || p === z.NEVER) return z.NEVER;

  const common = {
    name: p.name,
    image: p.image,
    ...(p.build && { build: p.build }),
    runAs: p.runAs,
    app: p.app,
    queues: p.queues,
    ...(p.parentMemory !== undefined && { parentMemory: p.parentMemory }),
    ...(p.prefetchMultiplier !== undefined && { prefetchMultiplier: p.prefetchMultiplier }),
    ...(p.profile && { profile: p.profile }),
    replicas: p.replicas,
    serializer: p.serializer,
    softTimeLimit: p.softTimeLimit,
    timeLimit: p.timeLimit,
    swap: p.swap ?? 0,
    ...(p.swarm && { swarm: p.swarm }),
    ...appEnv,
    // The secret files (0400) belong to the user the worker runs as, unless said apart.
    secretsUid: fields.secretsUid ?? Number(p.runAs.split(":")[0]),
  };
  const concurrency = poolConcurrency(p.pool, p.concurrency, p.autoscale);
  if (p.pool === "prefork") {
    return {
      ...common,
      pool: "prefork",
      concurrency,
      autoscale: p.autoscale,
      ...(p.perChildMemory !== undefined && { perChildMemory: p.perChildMemory }),
      ...(p.maxTasksPerChild !== undefined && { maxTasksPerChild: p.maxTasksPerChild }),
    };
  }
  return {
    ...common,
    pool: p.pool,
    concurrency,
    ...(p.perTaskMemory !== undefined && { perTaskMemory: p.perTaskMemory }),
  };
}

/** The whole stack config (namespace `queuekit`), defaults filled, sizes in bytes; profile paths from `baseDir`. */
export const configSchemaAt = (baseDir: string) =>
  strict("the queuekit config", {
    preset: oneOf(PRESET_NAMES).optional(),
    host: host.optional(),
    redis: redis.prefault({}),
    workers: list(workerPoolFieldsAt(baseDir).transform(toPoolConfig), "worker pool"),
    ...SIDE_SCHEMAS,
    // Several hosts instead of `host` (hosts.ts).
    hosts: hostsSchema(host.shape).optional(),
    placement: placementSchema.optional(),
    registries: registriesSchema,
    orchestrator: orchestratorSchema,
  }).transform((c, ctx): QueuekitConfig => {
    const withDefaults = <H extends z.output<typeof host>>(h: H) => ({
      ...h,
      manageDaemonJson: h.manageDaemonJson ?? defaultManageDaemonJson(h.connection),
      sysctl: { ...h.sysctl, somaxconn: h.sysctl.somaxconn ?? defaultSomaxconn(c.redis.tcpBacklog) },
    });
    const form = hostFormIssue(c);
    if (form) {
      issue(ctx, form.message, form.path);
      return z.NEVER;
    }
    const list = c.hosts?.map(withDefaults);
    const placement = list && resolvePlacement(list, c.placement, c.workers);
    const hosts = list && placement && { list, placement };
    // config.host is the Redis host: what a one-host reader (VpsHost's defaults, doctor) looks at.
    const redisHost: HostConfig = hosts ? redisHostOf(hosts) : withDefaults(c.host!);
    for (const { path, message } of [
      ...redisMemoryIssues(redisHost.memory, c.redis.memory),
      ...(list ?? [redisHost]).flatMap((h, i) =>
        hostRuleIssues(h, c.redis.tcpBacklog).map((p) => ({
          ...p,
          path: list ? ["hosts", i, ...p.path.slice(1)] : p.path,
        })),
      ),
      ...workersRuleIssues(c.workers, Math.max(...(list ?? [redisHost]).map((h) => h.swapFile))),
      ...(list && placement ? hostsRuleIssues(list, c.placement, placement, c.workers, c.redis.bind) : []),
      ...imageIssues(c.workers, c.registries, list !== undefined),
      ...sideRuleIssues(c),
      ...swarmRuleIssues(c),
    ])
      issue(ctx, message, [...path]);
    return {
      preset: c.preset,
      host: redisHost,
      ...(hosts && { hosts }),
      redis: hosts ? { ...c.redis, bind: redisBindOf(c.redis.bind, hosts) } : c.redis,
      workers: c.workers,
      registries: c.registries,
      orchestrator: c.orchestrator,
      ...sideConfigsOf(c),
    };
  });

// One VPS (`host`) or several (`hosts`), never both; `placement` only places on `hosts`.
function hostFormIssue(c: { host?: unknown; hosts?: unknown; placement?: unknown; preset?: string }) {
  if (c.host !== undefined && c.hosts !== undefined)
    return {
      path: ["hosts"],
      message: `give host (one VPS) or hosts (several), not both${c.preset ? ` — preset ${c.preset} sets host: write hosts without the preset` : ": move host's keys into an entry of hosts"}`,
    };
  if (c.host === undefined && c.hosts === undefined)
    return {
      path: ["host"],
      message:
        "required: the VPS ({memory, cpus, connection}), or hosts: [{name, privateAddress, memory, cpus, connection}, …] for several",
    };
  if (c.placement !== undefined && c.hosts === undefined)
    return {
      path: ["placement"],
      message: "places parts on hosts[].name: write hosts, or remove placement (one host runs everything)",
    };
  return undefined;
}
