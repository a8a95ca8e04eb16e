// The parsed stack config: what the user wrote, validated, sizes in bytes. Sizes the planner decides (the host
// reserve, a Redis share of the host, pool budgets) are left as given: infra/plan/ turns them into bytes.
import type { EvictionSafePolicy } from "../../policies/contract/redis";
import type { AppEnvConfig } from "./appEnv";
import type { HostsConfig } from "./hosts";
import type { ImageBuild, RegistryConfig } from "./images";
import type { AppProfile } from "./profile";
import type { SideConfigs } from "./sides";
import type { Orchestrator, PoolSwarmConfig } from "./swarm";

export type Connection =
  | { readonly kind: "local" }
  | {
      readonly kind: "ssh";
      readonly host: string;
      readonly port: number;
      readonly user: string;
      /** Extra `ssh` options for Docker's ssh:// connection (key file, known-hosts file): it does not use the secret key. */
      readonly sshOptions: readonly string[];
    };

export interface Sysctl {
  /** Always 1: Redis' background save forks, and a fork may not be refused. */
  readonly overcommitMemory: 1;
  readonly swappiness: number;
  readonly somaxconn: number;
}

export interface HostConfig {
  readonly memory: number;
  readonly cpus: number;
  /** OS, dockerd/containerd and their shims, sshd, kernel, page cache floor; absent: the plan's default. */
  readonly reserve?: number;
  readonly connection: Connection;
  readonly sysctl: Sysctl;
  readonly transparentHugePages: "never" | "madvise";
  /** Host swap file in bytes; 0 = none. */
  readonly swapFile: number;
  /** Local target only: every kit container under one parent cgroup of `memory`. */
  readonly emulate: boolean;
  /** Render /etc/docker/daemon.json and restart the engine when it changed (default: ssh yes, local never). */
  readonly manageDaemonJson: boolean;
}

export type Persistence = "none" | "rdb" | "aof";
/** The eviction-safe policies of the contract with the policy pack (queued tasks carry no TTL). */
export type MaxmemoryPolicy = EvictionSafePolicy;

/** A size in bytes, or a share of host.memory (0.25 for "25%") that the plan turns into whole MiB. */
export type ShareOrBytes = { readonly share: number } | { readonly bytes: number };

export interface RedisConfig {
  readonly image: string;
  /** The non-root "uid:gid" it runs as: the runAs key, or the image's known user (runAs.ts). */
  readonly runAs: string;
  /** Container limit: bytes, or a share of host.memory (the plan resolves it). */
  readonly memory: ShareOrBytes;
  readonly persistence: Persistence;
  readonly maxmemoryPolicy: MaxmemoryPolicy;
  /** Host address the port is published on, or "none" (reachable on the Docker network only). */
  readonly bind: string;
  readonly port: number;
  readonly tcpBacklog: number;
  /** Render `activedefrag yes`: only for Redis builds with their bundled jemalloc. */
  readonly activeDefrag: boolean;
  /** Listen with TLS only (tls-port, port 0); clients verify Redis against the stack's generated CA. */
  readonly tls: boolean;
}

export type PoolKind = "prefork" | "gevent" | "threads" | "solo";
export type InProcessPool = Exclude<PoolKind, "prefork">;

export interface Autoscale {
  readonly max: number;
  readonly min: number;
}

/** App settings and secret names (appEnv.ts): the secrets' values are Outputs beside the config, never in it. */
interface PoolCommon extends AppEnvConfig {
  readonly name: string;
  readonly image: string;
  /** Build `image` on the target engine from this Dockerfile and context instead of pulling it. */
  readonly build?: ImageBuild;
  /** The non-root "uid:gid" its workers (and beat, when it runs with this pool) run as (runAs.ts). */
  readonly runAs: string;
  readonly app: string;
  readonly queues: readonly string[];
  /** Processes/greenlets/threads the memory is sized for; with autoscale, autoscale.max. */
  readonly concurrency: number | "auto";
  /** The worker main process (consumer, pool supervisor); absent: measured (profile) or the plan's default. */
  readonly parentMemory?: number;
  /** Absent: chosen by the plan from the measured task durations (profile), else 1. */
  readonly prefetchMultiplier?: number;
  /** The app measured by `npm run calibrate`: the plan sizes the pool from it instead of defaults. */
  readonly profile?: AppProfile;
  readonly replicas: number;
  /** Task/result serializer of the rendered celeryconfig. */
  readonly serializer: "json" | "msgpack";
  readonly softTimeLimit?: number;
  readonly timeLimit?: number;
  /** Swap bytes allowed on top of the limit; 0 unless `allowSwap: true`. */
  readonly swap: number;
  /** Placement on the swarm's nodes (orchestrator: swarm only); absent: any node. */
  readonly swarm?: PoolSwarmConfig;
}

export interface PreforkPoolConfig extends PoolCommon {
  readonly pool: "prefork";
  /** Budget of one child process; absent: measured (profile) or the plan's default. */
  readonly perChildMemory?: number;
  /** Absent: the plan's default (200), or from the measured task durations. */
  readonly maxTasksPerChild?: number;
  readonly autoscale?: Autoscale;
}

export interface InProcessPoolConfig extends PoolCommon {
  readonly pool: InProcessPool;
  /** Working memory of one task running inside the main process (greenlet, thread or solo); absent: measured or default. */
  readonly perTaskMemory?: number;
}

export type WorkerPoolConfig = PreforkPoolConfig | InProcessPoolConfig;

/** The core keys; each side component (sides.ts) adds its own key. */
export interface QueuekitConfig extends SideConfigs {
  readonly preset?: string;
  /** The one VPS; with `hosts`, the host Redis runs on. */
  readonly host: HostConfig;
  /** Several hosts and what runs where (absent: `host` runs everything); read it through layoutOf. */
  readonly hosts?: HostsConfig;
  readonly redis: RedisConfig;
  readonly workers: readonly WorkerPoolConfig[];
  /** Private registries' credentials; absent or empty: images are used as the engine has them. */
  readonly registries?: readonly RegistryConfig[];
  /** "containers" (default): docker.Container per replica; "swarm": each pool a docker.Service (swarm.ts). */
  readonly orchestrator: Orchestrator;
}
