// What the doctor expects (from the stack's config, plan and outputs), what it measured, and what it concluded.

export type Severity = "ok" | "warning" | "failure";

/** One conclusion: the thing, what was measured, what the plan or config expects, and what to do when it is off. */
export interface Finding {
  readonly severity: Severity;
  readonly area: "stack" | "host" | "redis" | "container" | "queue";
  /** The thing checked: "vm.overcommit_memory", "qk-local-redis", "queue celery". */
  readonly subject: string;
  /** What about it: "value", "memory", "restarts". */
  readonly check: string;
  readonly measured: string;
  readonly expected: string;
  /** What to do; empty when all is well. */
  readonly action: string;
}

export interface ExpectedContainer {
  readonly name: string;
  /** "side": a side component's container (the Redis exporter, …). */
  readonly role: "redis" | "worker" | "side";
  readonly limitBytes: number;
  readonly memorySwapBytes: number;
  /** Workers only: the planned pool, and its recycle limit (prefork). */
  readonly pool?: string;
  readonly maxMemoryPerChildKiB?: number;
}

/** Queue depth thresholds: a warning above `warnAt`, a failure above `failAt` (a measured backlog capacity only). */
export interface QueueLimit {
  readonly warnAt: number;
  readonly failAt?: number;
  /** Where the numbers come from, for the table: "plan.redis.backlog 41,000", "monitoring.queueBacklogAlert". */
  readonly basis: string;
}

export interface Expectations {
  readonly stack: string;
  /** "localhost" or "root@203.0.113.10:22". */
  readonly target: string;
  readonly host: {
    readonly overcommitMemory: number;
    readonly swappiness: number;
    readonly somaxconn: number;
    readonly transparentHugePages: "never" | "madvise";
    readonly memoryBytes: number;
    /** The kit's swap file (0: none planned). */
    readonly swapFileBytes: number;
    readonly swapFilePath: string;
    /** The local target's emulated host: every container under this parent memory cgroup. */
    readonly emulatedCgroup?: string;
    /** The kit writes daemon.json (host.manageDaemonJson) with live-restore on. */
    readonly liveRestore: boolean;
  };
  readonly redis: {
    readonly container: string;
    /** Its name on the stack network, which the workers' broker URL names. */
    readonly alias: string;
    readonly port: number;
    /** redis.tls: its port speaks TLS only. */
    readonly tls: boolean;
    readonly limitBytes: number;
    readonly maxmemoryBytes: number;
    readonly publishHeadroomBytes: number;
    readonly policy: string;
    readonly persistence: "none" | "rdb" | "aof";
  };
  readonly containers: readonly ExpectedContainer[];
  readonly queues: readonly string[];
  readonly queueLimit: QueueLimit;
  /** False when the deployed plan (stack output memoryPlan) differs from the plan of the config as it is now. */
  readonly deployedPlanMatches: boolean;
}

export interface SwapEntry {
  readonly file: string;
  readonly kib: number;
}

/** Read from /proc and /sys of the host (locally or over SSH); a field is absent when it could not be read. */
export interface HostFacts {
  readonly overcommitMemory?: number;
  readonly swappiness?: number;
  readonly somaxconn?: number;
  /** The raw line of /sys/kernel/mm/transparent_hugepage/enabled: "always madvise [never]". */
  readonly thpEnabled?: string;
  readonly thpDefrag?: string;
  readonly swaps?: readonly SwapEntry[];
  readonly memTotalBytes?: number;
  readonly cgroupLimitBytes?: number;
  /** Why nothing could be read (ssh refused, …). */
  readonly error?: string;
}

/** A TCP connect from inside a worker to Redis' alias and port: made, or why not. */
export type BrokerReach = { readonly reached: true } | { readonly reached: false; readonly error: string };

export interface ContainerFacts {
  readonly name: string;
  /** False: `docker inspect` knows no such container. */
  readonly exists: boolean;
  readonly status?: string;
  /** Docker's health: "healthy", "unhealthy", "starting"; absent without a healthcheck. */
  readonly health?: string;
  readonly oomKilled?: boolean;
  readonly restartCount?: number;
  /** `docker inspect` Created and State.StartedAt, seconds since the epoch. */
  readonly createdAt?: number;
  readonly startedAt?: number;
  readonly limitBytes?: number;
  readonly memorySwapBytes?: number;
  /** `docker stats` memory usage (page cache that can be dropped left out). */
  readonly usageBytes?: number;
  /** The container cgroup's oom_kill counter: processes killed at its limit since it started (children too). */
  readonly oomKills?: number;
  /** In the retained logs: children recycled by --max-memory-per-child, and children that died of a signal. */
  readonly recycles?: number;
  readonly childDeaths?: number;
  /** Workers that run: whether they reach Redis from inside. */
  readonly broker?: BrokerReach;
}

export interface RedisFacts {
  /** INFO all, as key → value; absent when Redis could not be asked. */
  readonly info?: Readonly<Record<string, string>>;
  readonly error?: string;
  /** LLEN of each queue; absent when it could not be read. */
  readonly queueLengths: Readonly<Record<string, number | undefined>>;
}

/** The Docker engine on the stack's host: when its dockerd started, and whether live-restore is on. */
export interface EngineFacts {
  /** Seconds since the epoch (the host's clock); absent when no dockerd process could be read. */
  readonly startedAt?: number;
  readonly pid?: number;
  readonly liveRestore?: boolean;
  readonly error?: string;
}

export interface Facts {
  readonly host: HostFacts;
  readonly engine: EngineFacts;
  readonly redis: RedisFacts;
  readonly containers: readonly ContainerFacts[];
  /** Seconds since the epoch, when the facts were gathered (for Redis' last save). */
  readonly now: number;
}
