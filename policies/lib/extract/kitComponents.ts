// The kit's own components. A ComponentResource has no provider to check; the kit passes a plain summary of
// what it builds as the component's inputs (what per-resource rules see) and registers the same summary in its
// outputs (what stack rules see). Shapes (sizes in bytes) — the contract is documented in README.md:
//
//   queuekit:host:VpsHost      { memoryBytes, reserveBytes, swapFileBytes?, connection: { kind: "local" } |
//                                { kind: "ssh", host, port?, user? }, sysctl?: { overcommitMemory?, … },
//                                thp?: "never" | "madvise" | "always", files?: { [path]: content } }
//   queuekit:redis:RedisBroker { memoryBytes, maxmemoryBytes, maxmemoryPolicy, persistence: "none"|"rdb"|"aof",
//                                auth, publishOn? }
//   queuekit:celery:WorkerPool { pool, concurrency, replicas?, memoryBytes, memorySwapBytes?,
//                                maxTasksPerChild?, maxMemoryPerChildKiB?, autoscale?: { max, min } }
import { celeryWorkers, type CeleryWorker } from "../model/celeryWorkers";
import { extract } from "./extract";
import { scopedExtraction } from "../model/stackFiles";
import { TYPES, type ResourceView } from "./resource";
import { settingsFromFile } from "../model/deliveredFiles";
import { hostOfConnection, LOCAL } from "../model/dockerHosts";
import type { HostFile, LocatedSetting } from "../model/extraction";
import { emptySettings } from "../parse/redisSettings";
import { redisInstances, type RedisInstance } from "../model/redisServers";
import {
  at,
  bool,
  isKnown,
  isRecord,
  isSentinel,
  isUnknown,
  num,
  str,
  unproxy,
  type Val,
} from "../parse/propertyValues";

export interface VpsHostInfo {
  readonly host: Val<string>;
  readonly memoryBytes: Val<number>;
  readonly reserveBytes: Val<number>;
  /** What the component sets on the host (sysctl, thp) and the files it installs, as host settings. */
  readonly settings: LocatedSetting[];
  readonly files: HostFile[];
}

/** The VpsHost summary (component inputs, or the outputs it registers). */
export function vpsHost(rawProps: unknown): VpsHostInfo {
  const p = unproxy(rawProps);
  const kind = str(p, "connection.kind");
  const host: Val<string> = isUnknown(kind) ? kind : kind === "ssh" ? hostOfConnection(p) : LOCAL;
  const settings: LocatedSetting[] = [];
  const via = "queuekit:host:VpsHost";
  const overcommit = at(p, "sysctl.overcommitMemory");
  if (overcommit !== undefined && !isUnknown(overcommit))
    settings.push({ key: "vm.overcommit_memory", value: String(overcommit), via, host });
  const thp = str(p, "thp");
  if (isKnown(thp)) settings.push({ key: "transparent_hugepage", value: thp, via, host });
  const files: HostFile[] = [];
  const fileMap = at(p, "files");
  if (isRecord(fileMap)) {
    for (const [path, content] of Object.entries(fileMap)) {
      if (typeof content !== "string" || isSentinel(content)) continue;
      files.push({ path, content, origin: `${via} file ${path}`, host });
      settings.push(...settingsFromFile({ path, content }).map((st) => ({ ...st, host })));
    }
  }
  return { host, memoryBytes: num(p, "memoryBytes"), reserveBytes: num(p, "reserveBytes"), settings, files };
}

function kitRedis(rawProps: unknown): RedisInstance {
  const p = unproxy(rawProps);
  const settings = emptySettings();
  const maxmemory = num(p, "maxmemoryBytes");
  const policy = str(p, "maxmemoryPolicy");
  const persistenceMode = str(p, "persistence");
  const auth = bool(p, "auth");
  const publishOn = str(p, "publishOn");
  const unknowns = [maxmemory, policy, persistenceMode, auth].filter(isUnknown);
  if (isKnown(maxmemory)) settings.maxmemory = maxmemory;
  if (isKnown(policy)) settings.maxmemoryPolicy = policy;
  if (isKnown(persistenceMode)) {
    settings.appendonly = persistenceMode === "aof";
    settings.save = persistenceMode === "rdb";
  }
  if (isKnown(auth)) settings.auth = auth;
  return {
    origin: "queuekit:redis:RedisBroker inputs",
    host: undefined,
    limit: num(p, "memoryBytes"),
    settings,
    hidden: unknowns[0],
    ports: publishOn === undefined ? [] : [{ hostIp: publishOn, hostPort: undefined, containerPort: undefined }],
    publishAll: undefined,
    networkMode: undefined,
  };
}

function kitWorker(rawProps: unknown): CeleryWorker {
  const p = unproxy(rawProps);
  const max = num(p, "autoscale.max");
  const min = num(p, "autoscale.min");
  return {
    origin: "queuekit:celery:WorkerPool inputs",
    limit: num(p, "memoryBytes"),
    pool: str(p, "pool"),
    concurrency: num(p, "concurrency"),
    autoscale: isUnknown(max) ? max : isKnown(max) ? { max, min: isKnown(min) ? min : 0 } : undefined,
    maxTasksPerChild: num(p, "maxTasksPerChild"),
    maxMemoryPerChildKiB: num(p, "maxMemoryPerChildKiB"),
    command: "WorkerPool",
  };
}

/**
 * Whether a component passed its summary. Without one there is nothing to read — its containers are checked
 * on their own — so the component's rules do not apply (rather than reading an empty object as "nothing set").
 */
export const hasSummary = (rawProps: unknown): boolean => at(unproxy(rawProps), "memoryBytes") !== undefined;

/**
 * Redis servers a resource runs or configures (containers, redis.conf files, the kit's RedisBroker), as the
 * rule's phase sees them: the resource phase takes those it can decide alone; the stack phase (`r.stack`) those
 * whose config lies in files on the host (another resource's, or a bare redis.conf a container may mount).
 */
export async function redisServersOf(r: ResourceView): Promise<RedisInstance[]> {
  if (r.type === TYPES.redisBroker) return !r.stack && hasSummary(r.props) ? [kitRedis(r.props)] : [];
  if (!r.stack) return redisInstances(await extract(r)).filter((i) => !i.acrossResources);
  const ex = await r.stack.extraction(r);
  const extra = r.stack.composeByReference(ex).containers;
  return redisInstances({ ...ex, containers: [...ex.containers, ...extra] }, r.stack).filter(
    (i) => i.acrossResources || (i.container !== undefined && extra.includes(i.container)),
  );
}

/** Celery workers a resource runs (container argv, the kit's WorkerPool), as the rule's phase sees them. */
export async function celeryWorkersOf(r: ResourceView): Promise<CeleryWorker[]> {
  if (r.type === TYPES.workerPool) return !r.stack && hasSummary(r.props) ? [kitWorker(r.props)] : [];
  return celeryWorkers(await scopedExtraction(r));
}

/**
 * VpsHost summaries seen by per-resource analysis (component inputs), by URN. Stack rules see a component's
 * registered outputs instead; when those lack the summary, the inputs seen earlier in the same run stand in.
 */
const seenInputs = new Map<string, unknown>();

export function rememberComponentInputs(type: string, urn: string, props: unknown): void {
  if (type === TYPES.vpsHost && hasSummary(props)) seenInputs.set(urn, unproxy(props));
}

/** The VpsHost summary: from the outputs when they carry it, else from the inputs analyzed in this run. */
export function vpsHostSummary(urn: string, outputs: unknown): unknown {
  return hasSummary(outputs) ? outputs : (seenInputs.get(urn) ?? outputs);
}
