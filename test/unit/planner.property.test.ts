// Property tests: no plan ever exceeds its host, and no invalid config ever reaches the planner.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../infra/config/errors";
import { parseConfig } from "../../infra/config/parse";
import type { QueuekitConfig } from "../../infra/config/types";
import { MiB } from "../../infra/config/units";
import { PlanError } from "../../infra/plan/errors";
import { containersOf } from "../../infra/plan/containers";
import { autoConcurrencyCap, planMemory, POOL_MARGIN } from "../../infra/plan/planner";
import { POOL_DEFAULTS } from "../../infra/plan/pools";
import type { MemoryPlan } from "../../infra/plan/types";

type Raw = Record<string, unknown>;
const mib = (n: number): string => `${n}MiB`;
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const hostArb = fc.record({
  memory: fc.oneof(
    fc.integer({ min: 512, max: 16384 }).map(mib),
    fc.constantFrom("1GiB", "1.5GiB", "2GiB", "4GiB", "8GiB"),
  ),
  cpus: fc.integer({ min: 1, max: 16 }),
  reserve: optional(fc.integer({ min: 128, max: 1024 }).map(mib)),
  swapFile: fc.constantFrom("none", "512MiB", "1GiB", "4GiB"),
});

const redisArb = fc.record({
  memory: optional(
    fc.oneof(
      fc.integer({ min: 13, max: 50 }).map((n) => `${n}%`),
      fc.integer({ min: 64, max: 3072 }).map(mib),
    ),
  ),
  persistence: optional(fc.constantFrom("none", "rdb", "aof")),
  maxmemoryPolicy: optional(
    fc.constantFrom("noeviction", "volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random"),
  ),
  bind: optional(fc.constantFrom("none", "127.0.0.1", "10.1.2.3", "192.168.0.9", "::1")),
  tcpBacklog: optional(fc.integer({ min: 64, max: 4096 })),
});

const preforkArb = fc.record({
  pool: fc.constant("prefork"),
  concurrency: optional(fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 12 }))),
  perChildMemory: optional(fc.integer({ min: 16, max: 512 }).map(mib)),
  maxTasksPerChild: optional(fc.integer({ min: 1, max: 5000 })),
});

const autoscaleArb = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }))
  .map(([max, min]) => ({ pool: "prefork", autoscale: { max, min: Math.min(min, max) } }));

const inProcessArb = fc.record({
  pool: fc.constantFrom("gevent", "threads"),
  concurrency: optional(fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 300 }))),
  perTaskMemory: optional(fc.integer({ min: 1, max: 32 }).map(mib)),
});

const soloArb = fc.record({
  pool: fc.constant("solo"),
  perTaskMemory: optional(fc.integer({ min: 16, max: 256 }).map(mib)),
});

const poolArb = fc
  .tuple(
    fc.oneof(preforkArb, autoscaleArb, inProcessArb, soloArb),
    fc.record({
      parentMemory: optional(fc.integer({ min: 32, max: 256 }).map(mib)),
      replicas: optional(fc.integer({ min: 1, max: 3 })),
      prefetchMultiplier: optional(fc.integer({ min: 1, max: 8 })),
      swap: optional(fc.integer({ min: 1, max: 512 }).map(mib)),
    }),
  )
  .map(([kind, common]) => ({ ...kind, ...common }));

/** Raw configs the schema must accept, from tiny hosts with big pools (refused plans) to roomy ones. */
const validRawArb: fc.Arbitrary<Raw> = fc
  .record({
    host: hostArb,
    redis: redisArb,
    workers: fc.array(poolArb, { minLength: 1, maxLength: 4 }),
    monitoring: optional(
      fc.record({ enabled: fc.boolean(), memory: optional(fc.integer({ min: 16, max: 256 }).map(mib)) }),
    ),
  })
  .map(({ host, redis, workers, monitoring }) => ({
    host: dropUndefined(host),
    redis: dropUndefined(redis),
    monitoring: monitoring && dropUndefined(monitoring),
    workers: workers.map(({ swap, ...pool }, i) => {
      // Swap only where the host has a swap file, and only with the explicit allowSwap.
      const swapKeys = swap && host.swapFile !== "none" ? { allowSwap: true, swap } : {};
      return dropUndefined({
        name: `pool-${i}`,
        image: "acme/app:1",
        runAs: "1000:1000",
        app: "proj.celery",
        queues: ["celery"],
        ...pool,
        ...swapKeys,
      });
    }),
  }));

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// What the config asks per child/task, or the plan's default when it asks nothing.
const perUnit = (config: QueuekitConfig, i: number): number => {
  const w = config.workers[i];
  const given = w.pool === "prefork" ? w.perChildMemory : w.perTaskMemory;
  const fallback =
    w.pool === "prefork" || w.pool === "solo" ? POOL_DEFAULTS.perChildMemory : POOL_DEFAULTS.perTaskMemory;
  return given ?? fallback;
};

function assertPlanInvariants(config: QueuekitConfig, plan: MemoryPlan): void {
  const containers = containersOf(plan);
  const total = containers.reduce((sum, c) => sum + c.memory.limit.bytes * c.replicas, 0);
  assert.ok(total + plan.host.reserve.bytes <= config.host.memory, "Σ limits × replicas + reserve ≤ host.memory");
  assert.equal(plan.headroom.bytes, plan.host.memory.bytes - plan.host.reserve.bytes - total);
  assert.ok(plan.headroom.bytes >= 0);
  assert.ok(plan.host.reserve.bytes >= (config.host.reserve ?? 0));

  assert.ok(
    plan.redis.maxmemory.bytes > 0 && plan.redis.maxmemory.bytes < plan.redis.limit.bytes,
    "maxmemory < redis limit",
  );

  plan.workers.forEach((w, i) => {
    const pool = config.workers[i];
    const need = (pool.parentMemory ?? POOL_DEFAULTS.parentMemory) + w.concurrency * perUnit(config, i);
    assert.ok(w.limit.bytes >= need + POOL_MARGIN.min, `${w.name}: limit ≥ parent + concurrency × budget + margin`);
    assert.ok(w.concurrency >= 1);
    if (pool.concurrency === "auto") assert.ok(w.concurrency <= autoConcurrencyCap(w.pool, config.host.cpus));
    else assert.equal(w.concurrency, pool.concurrency);
    assert.equal(w.memorySwap.bytes - w.limit.bytes, pool.swap, "memorySwap == limit unless swap is allowed");
    if (w.pool === "prefork")
      assert.ok(w.maxMemoryPerChildKiB * 1024 < perUnit(config, i), "recycle below the per-child budget");
  });

  for (const c of containers) {
    for (const size of [c.memory.limit, c.memory.memorySwap]) {
      assert.ok(Number.isInteger(size.mib) && size.bytes === size.mib * MiB, `${c.key}: whole MiB`);
    }
    if (c.kind !== "worker") assert.equal(c.memory.memorySwap.bytes, c.memory.limit.bytes);
  }
}

describe("planMemory over random valid configs", () => {
  it("every plan fits its host; every refusal really does not fit", () => {
    let planned = 0;
    let refused = 0;
    fc.assert(
      fc.property(validRawArb, (raw) => {
        const config = parseConfig(raw);
        let plan: MemoryPlan;
        try {
          plan = planMemory(config);
        } catch (error) {
          assert.ok(error instanceof PlanError, String(error));
          assert.ok(error.asked > error.available.bytes, "a refused plan asks more than is available");
          refused++;
          return;
        }
        assertPlanInvariants(config, plan);
        planned++;
      }),
      { numRuns: 500 },
    );
    // The property is not vacuous: both outcomes happen often.
    assert.ok(planned > 100 && refused > 25, `planned ${planned}, refused ${refused}`);
  });
});

/** One change that makes a valid config invalid, and the key path the error must name. */
interface Mutation {
  readonly path: string;
  readonly apply: (raw: Raw) => Raw;
}

function setAt(raw: Raw, path: string, value: unknown): Raw {
  const copy = structuredClone(raw);
  const parts = path.split(/\.|\[(\d+)\]/).filter(Boolean);
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
  return copy;
}

const set = (path: string, value: unknown): Mutation => ({ path, apply: (raw) => setAt(raw, path, value) });

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom("2GB", "2G", "2gb", "2 gib", "-1GiB", "0MiB", "100MiB", "lots", 2048)
    .map((v) => set("host.memory", v)),
  fc.constantFrom("64MB", "0MiB", "-64MiB", 64).map((v) => set("monitoring.memory", v)),
  fc.constantFrom("allkeys-lru", "allkeys-lfu", "allkeys-random", "lru").map((v) => set("redis.maxmemoryPolicy", v)),
  fc.constantFrom("0.0.0.0", "::", "8.8.8.8", "203.0.113.7", "localhost").map((v) => set("redis.bind", v)),
  fc.constantFrom("always", "sometimes").map((v) => set("redis.persistence", v)),
  fc.constantFrom(0, 2).map((v) => set("host.sysctl.overcommitMemory", v)),
  fc
    .constantFrom(
      "host.foo",
      "redis.maxMemory",
      "monitoring.enable",
      "workers[0].concurency",
      "workers[0].perChildMem",
      "preste",
    )
    .map((path) => set(path, 1)),
  fc.constantFrom(0, -2, 1.5, "many").map((v) => set("workers[0].concurrency", v)),
  fc.constantFrom(0, 65).map((v) => set("workers[0].replicas", v)),
  fc.constantFrom("Bad_Name", "-x", "").map((v) => set("workers[0].name", v)),
  fc.constant(set("workers", [])),
  fc
    .tuple(fc.constantFrom("gevent", "threads", "solo"), fc.constantFrom("perChildMemory", "maxTasksPerChild"))
    .map(([kind, key]) => ({
      path: `workers[0].${key}`,
      apply: (raw: Raw) =>
        setAt(setAt(raw, "workers[0].pool", kind), `workers[0].${key}`, key === "perChildMemory" ? "150MiB" : 100),
    })),
);

describe("invalid configs", () => {
  it("are refused with the key named, and never produce a plan", () => {
    fc.assert(
      fc.property(validRawArb, mutationArb, (raw, mutation) => {
        const bad = mutation.apply(raw);
        assert.throws(
          () => planMemory(parseConfig(bad)),
          (error) => {
            assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
            assert.ok(
              error.issues.some((issue) => issue.path === mutation.path),
              `no issue at ${mutation.path}: ${error.message}`,
            );
            assert.ok(error.message.includes(`queuekit:${mutation.path}: got `));
            return true;
          },
        );
      }),
      { numRuns: 300 },
    );
  });
});
