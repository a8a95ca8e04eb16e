// One descriptor per kind of planned container: which containers of the plan it is, what the table and the
// picture say about it, and what to lower when the plan does not fit. The planner, planTable.ts and planSvg.ts iterate
// CONTAINER_KINDS; a side component (config/sides.ts) brings its descriptor, with its sizing, from its own module.
import { SIDE_NAMES, type SideConfigs, type SideName } from "../config/sides";
import { MiB } from "../config/units";
import { concurrencyText, eachText, groupDigits, mibText } from "./describe";
import { beatKind } from "./beat";
import { flowerKind } from "./flower";
import { monitoringKind } from "./monitoring";
import { prometheusKind } from "./prometheus";
import type { ContainerMemory, HostMemoryPlan, RedisPlan, SidePlans, WorkerPoolPlan } from "./types";

export type PlannedContainer = {
  /** The config key that sizes it: "redis.memory", "workers[0]", "monitoring.memory". */
  readonly key: string;
  readonly name: string;
  readonly memory: ContainerMemory;
  readonly replicas: number;
} & (
  | { readonly kind: "redis"; readonly redis: RedisPlan }
  | { readonly kind: "worker"; readonly pool: WorkerPoolPlan }
  | { readonly [K in SideName]: { readonly kind: K } }[SideName]
);

export type ContainerKindName = PlannedContainer["kind"];

/** What the plan's containers are made of: the parts of the plan `containersOf` reads. */
export type PlannedParts = Pick<HostMemoryPlan, "redis" | "workers" | SideName>;

/** One coloured stretch of the picture's bar, for one replica. */
export interface PicturePart {
  readonly label: string;
  /** The legend's line; its bytes are the part's bytes × replicas. */
  readonly legend: string;
  readonly bytes: number;
  readonly fill: string;
  readonly ink: string;
}

export interface ContainerKind<C extends PlannedContainer = PlannedContainer> {
  readonly kind: C["kind"];
  /** Its containers in the plan, in plan order. */
  of(plan: PlannedParts): C[];
  /** The table's first column. */
  label(c: C): string;
  /** The table's notes: the first beside the figures, each further one on a line of its own (↳). */
  notes(c: C, plan: HostMemoryPlan): string[];
  /** The picture's parts of one replica; `nth`: the container's index among those of its kind. */
  picture(c: C, plan: HostMemoryPlan, nth: number): PicturePart[];
  /** A refused plan's line: what the container asks for and what to change. */
  refusal(c: C): { readonly asked: string; readonly change: string };
}

type Of<K extends ContainerKindName> = Extract<PlannedContainer, { kind: K }>;

/** A side component's descriptor: it also sizes its one container from its own config. */
export interface SideKind<K extends SideName> extends ContainerKind<Of<K>> {
  /** Its limit and memorySwap; undefined when the config turns it off. */
  size(config: SideConfigs[K]): ContainerMemory | undefined;
}

const mib1 = (bytes: number): string => String(Math.round((bytes / MiB) * 10) / 10);

const redis: ContainerKind<Of<"redis">> = {
  kind: "redis",
  of: ({ redis }) =>
    redis ? [{ kind: "redis", key: "redis.memory", name: "redis", memory: redis, replicas: 1, redis }] : [],
  label: (c) => c.name,
  notes: ({ redis }) => [
    `maxmemory ${redis.maxmemory.mib} MiB (${redis.maxmemoryRatio * 100}%, persistence ${redis.persistence}), ${redis.policy}`,
    `publishing refused ${+redis.publishHeadroom.mib.toFixed(1)} MiB below maxmemory, so workers can always start and drain`,
    ...(redis.backlog
      ? [
          `backlog before publishing is refused: ${Object.entries(redis.backlog.byTask)
            .map(([task, t]) => `${groupDigits(t.messages)} × ${task} (${t.messageBytes} B)`)
            .join(", ")}`,
        ]
      : []),
  ],
  // Two parts: what maxmemory lets Redis count, and the rest of its limit.
  picture: ({ redis }) => [
    {
      label: "redis data",
      legend: `redis maxmemory — ${redis.maxmemoryRatio * 100}% of its ${redis.limit.mib} MiB limit, ${redis.policy}`,
      bytes: redis.maxmemory.bytes,
      fill: "#c62828",
      ink: "#fff",
    },
    {
      label: "redis rest",
      legend: `redis overhead — fork copy-on-write (persistence ${redis.persistence}), buffers, fragmentation`,
      bytes: redis.limit.bytes - redis.maxmemory.bytes,
      fill: "#ef9a9a",
      ink: "#3e2723",
    },
  ],
  refusal: (c) => ({ asked: eachText(c), change: "lower redis.memory" }),
};

const WORKER_FILLS = ["#1565c0", "#00838f", "#4527a0", "#0277bd", "#00695c", "#283593"];

function poolNote(w: WorkerPoolPlan): string {
  const { parent, perUnit, margin } = w.budget;
  const sizing = `${w.pool}, ${concurrencyText(w)}: parent ${mib1(parent)} + ${w.concurrency} × ${mib1(perUnit)} + margin ${mib1(margin)} MiB`;
  const recycle =
    w.pool === "prefork"
      ? `; max-memory-per-child ${w.maxMemoryPerChildKiB} KiB, max-tasks-per-child ${w.maxTasksPerChild}`
      : "";
  const swap = w.memorySwap.bytes > w.limit.bytes ? `; swap ${mib1(w.memorySwap.bytes - w.limit.bytes)} MiB` : "";
  return sizing + recycle + swap;
}

const worker: ContainerKind<Of<"worker">> = {
  kind: "worker",
  of: ({ workers }) =>
    workers.map((w) => ({
      kind: "worker",
      key: `workers[${w.source}]`,
      name: w.name,
      memory: w,
      replicas: w.replicas,
      pool: w,
    })),
  label: (c) => `worker ${c.name}`,
  notes: (c) => [poolNote(c.pool), c.pool.why],
  picture: (c, _, nth) => {
    const swap = c.memory.memorySwap.bytes - c.memory.limit.bytes;
    const what = `worker ${c.name} (${c.pool.pool}, ${concurrencyText(c.pool)}${swap ? `, +${mibText(swap)} swap` : ""})`;
    return [
      {
        label: c.name,
        legend: `${what} — ${c.replicas} × ${mibText(c.memory.limit.bytes)}; ${c.pool.why}`,
        bytes: c.memory.limit.bytes,
        fill: WORKER_FILLS[nth % WORKER_FILLS.length],
        ink: "#fff",
      },
    ];
  },
  refusal: (c) => {
    const w = c.pool;
    const knob = w.pool === "prefork" && w.autoscale ? "autoscale.max, " : w.auto ? "" : "concurrency, ";
    const unit = w.pool === "prefork" ? "perChildMemory" : "perTaskMemory";
    return {
      asked: `${c.name}: ${eachText(c)}, ${concurrencyText(w)}`,
      change:
        w.tasks.length > 0
          ? `${w.tasks.join(", ")} need ${w.budget.perUnit / MiB} MiB per ${w.pool === "prefork" ? "child" : "task"} (measured): lower ${knob}replicas, or give the host more memory`
          : `lower ${knob}${unit}, parentMemory or replicas`,
    };
  },
};

/** Each side component's descriptor, under its config key: the compiler asks for one per entry of config/sides.ts. */
const SIDE_KINDS: { readonly [K in SideName]: SideKind<K> } = {
  monitoring: monitoringKind,
  prometheus: prometheusKind,
  beat: beatKind,
  flower: flowerKind,
};

/** Every kind, in the order the plan lists (and the picture fills) its containers. */
export const CONTAINER_KINDS: { readonly [K in ContainerKindName]: ContainerKind<Of<K>> } = {
  redis,
  worker,
  ...SIDE_KINDS,
};

/** The descriptor of a container's kind. */
export const kindOf = <C extends PlannedContainer>(c: C): ContainerKind<C> =>
  CONTAINER_KINDS[c.kind] as unknown as ContainerKind<C>;

/** Every side component's memory, each sized by its own descriptor from its own config. */
export function planSides(config: SideConfigs): SidePlans {
  return Object.fromEntries(SIDE_NAMES.map((name) => [name, sizeSide(name, config)])) as SidePlans;
}

const sizeSide = <K extends SideName>(name: K, config: SideConfigs): ContainerMemory | undefined =>
  SIDE_KINDS[name].size(config[name]);

/** Every container of the plan with its replica count, in a fixed order: redis, workers, the side components. */
export function containersOf(plan: PlannedParts): PlannedContainer[] {
  return Object.values(CONTAINER_KINDS).flatMap((kind): PlannedContainer[] => kind.of(plan));
}
