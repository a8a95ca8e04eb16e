// Monitoring: the exporter's flags and password file, and the alert rules — pinned by a snapshot and checked by
// a real promtool (Debian's prometheus package), with the thresholds taken from the memory plan.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import {
  EXPORTER_PASSWORD_FILE,
  exporterArgs,
  exporterPasswordFile,
  renderAlertRules,
  RSS_ALERT_RATIO,
} from "../../infra/render/monitoring";
import { matchSnapshot } from "./snapshot";

const config = parseConfig({
  preset: "4GiB",
  workers: [
    { name: "default", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["celery", "emails"] },
    {
      name: "io",
      image: "app:1",
      runAs: "1000:1000",
      app: "proj",
      queues: ["celery", "fetch.v2"],
      pool: "gevent",
      concurrency: 20,
    },
  ],
});
const plan = planMemory(config);
const queues = config.workers.flatMap((w) => w.queues);
const input = () => ({
  stack: "prod",
  monitoring: config.monitoring,
  queues,
  maxmemoryBytes: plan.redis.maxmemory.bytes,
  redisLimitBytes: plan.redis.limit.bytes,
});
const rules = renderAlertRules(input());

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
}

describe("monitoring render", () => {
  it("the 4 GiB preset plans the exporter; its flags name every queue once and read the password from a file", () => {
    assert.equal(plan.monitoring?.limit.mib, 64);
    const args = exporterArgs({ redisUrl: "redis://redis:6379", queues });
    assert.deepEqual(args, [
      "-redis.addr",
      "redis://redis:6379",
      "-redis.password-file",
      EXPORTER_PASSWORD_FILE,
      "-check-single-keys",
      "db0=celery,db0=emails,db0=fetch.v2",
      "-web.listen-address",
      ":9121",
    ]);
    assert.ok(!args.join(" ").includes("secret-pw"));
    assert.deepEqual(JSON.parse(exporterPasswordFile("redis://redis:6379", "secret-pw")), {
      "redis://redis:6379": "secret-pw",
    });
  });

  it("alert rules take their thresholds from the plan and match their snapshot", () => {
    matchSnapshot("monitoring-alerts.yml", rules);
    const doc = parse(rules) as { groups: { name: string; rules: Rule[] }[] };
    const byName = new Map(doc.groups[0]!.rules.map((r) => [r.alert, r]));
    assert.equal(doc.groups[0]!.name, "queuekit-prod");
    assert.equal(
      byName.get("QueuekitRedisRssNearContainerLimit")?.expr,
      `redis_memory_used_rss_bytes > ${Math.floor(plan.redis.limit.bytes * RSS_ALERT_RATIO)}`,
    );
    assert.equal(byName.get("QueuekitQueueBacklog")?.expr, 'redis_key_size{key=~"celery|emails|fetch\\\\.v2"} > 10000');
    assert.equal(byName.get("QueuekitRedisRefusingWrites")?.labels.severity, "critical");
    assert.equal(byName.get("QueuekitNoWorker")?.expr, "redis_pubsub_patterns + redis_pubsub_channels == 0");
  });

  it("each alert's for: window comes from monitoring.alertFor", () => {
    const short = parseConfig({
      preset: "4GiB",
      monitoring: { enabled: true, alertFor: { redisDown: "5s", queueBacklog: "1h30m" } },
    });
    const doc = parse(renderAlertRules({ ...input(), monitoring: short.monitoring })) as {
      groups: { rules: (Rule & { for?: string })[] }[];
    };
    assert.deepEqual(Object.fromEntries(doc.groups[0]!.rules.map((r) => [r.alert, r.for])), {
      QueuekitRedisDown: "5s",
      QueuekitNoWorker: "2m",
      QueuekitRedisRefusingWrites: undefined,
      QueuekitRedisNearMaxmemory: "5m",
      QueuekitRedisRssNearContainerLimit: "2m",
      QueuekitRedisEvicting: undefined,
      QueuekitQueueBacklog: "1h30m",
    });
  });

  it("a real promtool accepts the rules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qk-rules-"));
    try {
      const file = path.join(dir, "queuekit-prod.yml");
      writeFileSync(file, rules);
      const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
      assert.equal(r.error, undefined, "promtool not found: npm test installs it (scripts/test-deps.sh)");
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS: 7 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
