// Property tests over random several-host configs: every host's plan adds up to its memory or is refused naming it,
// every replica is placed exactly once, Redis on exactly one host.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../infra/config/errors";
import { parseConfig } from "../../infra/config/parse";
import { PlanError } from "../../infra/plan/errors";
import { containersOf } from "../../infra/plan/containers";
import { planHosts } from "../../infra/plan/hosts";

const mib = (n: number): string => `${n}MiB`;

const hostsArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        name: fc.constant(`h${i}`),
        privateAddress: fc.constant(`10.0.0.${i + 2}`),
        memory: fc.integer({ min: 512, max: 8192 }).map(mib),
        cpus: fc.integer({ min: 1, max: 8 }),
      }),
    ),
  ),
);

const rawArb = hostsArb.chain((hosts) => {
  const names = hosts.map((h) => h.name);
  const poolArb = (i: number) =>
    fc.record({
      name: fc.constant(`p${i}`),
      image: fc.constant("acme/app:1"),
      runAs: fc.constant("1000:1000"),
      app: fc.constant("proj.celery"),
      queues: fc.constant([`q${i}`]),
      concurrency: fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 6 })),
      replicas: fc.integer({ min: 1, max: 6 }),
    });
  return fc.record({
    hosts: fc.constant(hosts),
    pools: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => poolArb(i)))),
    redis: fc.constantFrom(...names),
    beat: fc.constantFrom(...names),
    beatOn: fc.boolean(),
    placed: fc.array(fc.subarray(names, { minLength: 1 }), { minLength: 3, maxLength: 3 }),
  });
});

describe("planHosts over random several-host configs", () => {
  it("each host adds up to its memory, or the refusal names the host; replicas placed once; Redis once", () => {
    fc.assert(
      fc.property(rawArb, (r) => {
        const raw = {
          hosts: r.hosts,
          placement: {
            redis: r.redis,
            beat: r.beat,
            workers: Object.fromEntries(r.pools.map((p, i) => [p.name, r.placed[i]!])),
          },
          redis: { memory: "25%" },
          workers: r.pools.map((p, i) => ({ ...p, replicas: Math.max(p.replicas, r.placed[i]!.length) })),
          beat: { enabled: r.beatOn },
        };
        let config;
        try {
          config = parseConfig(raw);
        } catch (error) {
          // Only Redis' share of a small host may be refused here: everything else was generated valid.
          assert.ok(error instanceof ConfigError);
          assert.deepEqual(
            error.issues.map((i) => i.path),
            ["redis.memory"],
          );
          return;
        }
        let plans;
        try {
          plans = planHosts(config);
        } catch (error) {
          assert.ok(error instanceof PlanError, String(error));
          const i = r.hosts.findIndex((h) => h.name === error.host?.name);
          assert.ok(i >= 0, "the refusal names a host of the config");
          assert.equal(error.host?.key, `hosts[${i}]`);
          return;
        }
        assert.equal(plans.filter((h) => h.plan.redis).length, 1);
        assert.equal(plans.find((h) => h.plan.redis)?.name, r.redis);
        assert.equal(plans.filter((h) => h.plan.beat).length, r.beatOn ? 1 : 0);
        for (const h of plans) {
          assert.ok(h.plan.headroom.bytes >= 0);
          const used = containersOf(h.plan).reduce((t, c) => t + c.memory.limit.bytes * c.replicas, 0);
          assert.equal(h.plan.host.reserve.bytes + used + h.plan.headroom.bytes, h.plan.host.memory.bytes, h.name);
        }
        config.workers.forEach((w, source) => {
          const placed = plans.flatMap((h) => h.plan.workers.filter((p) => p.source === source));
          assert.equal(
            placed.reduce((t, p) => t + p.replicas, 0),
            w.replicas,
            `${w.name}: every replica once`,
          );
          assert.ok(placed.every((p) => p.replicas >= 1));
        });
      }),
      { numRuns: 300 },
    );
  });
});
