// Prometheus beside the exporter: its keys (defaults, refusals naming the key), its place in the memory plan (table,
// refusal), and its rendered config — checked with the alert rules by a real promtool.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseConfig } from "../../infra/config/parse";
import { MiB } from "../../infra/config/units";
import { containersOf } from "../../infra/plan/containers";
import { PlanError } from "../../infra/plan/errors";
import { renderPlanTable } from "../../infra/plan/planTable";
import { planMemory } from "../../infra/plan/planner";
import { renderAlertRules } from "../../infra/render/monitoring";
import { ALERT_RULES_FILE, goMemLimit, prometheusArgs, renderPrometheusConfig } from "../../infra/render/prometheus";
import { configRefusal } from "./refusal";

const pool = { name: "default", image: "app:1", runAs: "1000:1000", app: "proj", queues: ["celery"] };
const raw = (monitoring: Record<string, unknown>) => ({
  host: { memory: "2GiB", cpus: 2, connection: { kind: "local" } },
  workers: [pool],
  monitoring,
});

const refusal = (value: unknown): string => configRefusal(value).message;

describe("monitoring.prometheus config", () => {
  it("is off by default; its defaults when on", () => {
    assert.equal(parseConfig(raw({})).prometheus.enabled, false);
    assert.equal(planMemory(parseConfig(raw({ enabled: true }))).prometheus, undefined);
    const on = parseConfig(raw({ enabled: true, prometheus: { enabled: true } }));
    assert.deepEqual(on.prometheus, {
      enabled: true,
      memory: 160 * MiB,
      image: "prom/prometheus:v2.42.0",
      bind: "127.0.0.1",
      port: 9090,
      scrapeInterval: "15s",
      evaluationInterval: "15s",
      retention: "15d",
      runAs: "65534:65534",
    });
    assert.ok(!("prometheus" in on.monitoring), "its keys are lifted out of monitoring's");
  });

  it("refuses bad input, naming the key", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { enabled: false, prometheus: { enabled: true } },
        /queuekit:monitoring\.prometheus\.enabled: got true — .*monitoring\.enabled: true/,
      ],
      [
        { enabled: true, prometheus: { enabled: true, memory: "32MiB" } },
        /monitoring\.prometheus\.memory: got "32MiB" — too small: at least 64MiB/,
      ],
      [
        { enabled: true, prometheus: { enabled: true, bind: "0.0.0.0" } },
        /monitoring\.prometheus\.bind: got "0\.0\.0\.0"/,
      ],
      [
        { enabled: true, prometheus: { evaluationInterval: "1.5s" } },
        /monitoring\.prometheus\.evaluationInterval: got "1\.5s" — expected a Prometheus duration/,
      ],
      [{ enabled: true, prometheus: { scrapeInterval: "0s" } }, /monitoring\.prometheus\.scrapeInterval: got "0s"/],
      [
        { enabled: true, prometheus: { retain: "1d" } },
        /monitoring\.prometheus\.retain: got "1d" — unknown key; monitoring\.prometheus accepts: enabled, memory/,
      ],
      [{ enabled: true, alertFor: { queueBacklog: "10 min" } }, /monitoring\.alertFor\.queueBacklog: got "10 min"/],
      [
        { enabled: true, port: 9191, prometheus: { enabled: true, port: 9191 } },
        /monitoring\.prometheus\.port: got 9191 — the exporter already publishes port 9191/,
      ],
    ];
    for (const [monitoring, message] of cases) assert.match(refusal(raw(monitoring)), message);
  });
});

describe("Prometheus in the memory plan", () => {
  const plan = planMemory(parseConfig(raw({ enabled: true, prometheus: { enabled: true, memory: "200MiB" } })));

  it("is a planned container: its limit, in the table, taken from what the pools share", () => {
    assert.equal(plan.prometheus?.limit.mib, 200);
    assert.equal(plan.prometheus?.memorySwap.mib, 200);
    const names = containersOf(plan).map((c) => `${c.kind}:${c.key}`);
    assert.deepEqual(names.slice(-2), ["monitoring:monitoring.memory", "prometheus:monitoring.prometheus.memory"]);
    assert.match(renderPlanTable(plan, "t"), /^prometheus .* 200 .*monitoring\.prometheus\.memory/m);
    const without = planMemory(parseConfig(raw({ enabled: true })));
    assert.equal(without.headroom.bytes - plan.headroom.bytes, 200 * MiB);
  });

  it("a plan that does not fit lists it with what to change", () => {
    const big = { enabled: true, prometheus: { enabled: true, memory: "1500MiB" } };
    try {
      planMemory(parseConfig(raw(big)));
      assert.fail("planned");
    } catch (error) {
      assert.ok(error instanceof PlanError, String(error));
      assert.match(
        error.message,
        /monitoring\.prometheus\.memory +.*1500.*lower monitoring\.prometheus\.memory, or monitoring\.prometheus\.enabled: false/,
      );
    }
  });
});

describe("Prometheus render", () => {
  const config = parseConfig(
    raw({ enabled: true, prometheus: { enabled: true, scrapeInterval: "5s", evaluationInterval: "2s" } }),
  );
  const text = renderPrometheusConfig({
    stack: "prod",
    prometheus: config.prometheus,
    exporterHost: "qk-prod-monitoring",
  });

  it("scrapes the exporter on the stack network and loads the stack's alert rules", () => {
    assert.deepEqual(parse(text), {
      global: { scrape_interval: "5s", evaluation_interval: "2s", external_labels: { stack: "prod" } },
      rule_files: [ALERT_RULES_FILE],
      scrape_configs: [{ job_name: "redis", static_configs: [{ targets: ["qk-prod-monitoring:9121"] }] }],
    });
    assert.deepEqual(prometheusArgs(config.prometheus), [
      "--config.file=/etc/queuekit/prometheus.yml",
      "--storage.tsdb.path=metrics2",
      "--storage.tsdb.retention.time=15d",
      "--web.listen-address=:9090",
    ]);
    assert.equal(goMemLimit(160 * MiB), String(128 * MiB));
  });

  it("a real promtool accepts the config with the rendered rules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qk-prom-"));
    try {
      const plan = planMemory(config);
      const rules = renderAlertRules({
        stack: "prod",
        monitoring: config.monitoring,
        queues: ["celery"],
        maxmemoryBytes: plan.redis.maxmemory.bytes,
        redisLimitBytes: plan.redis.limit.bytes,
      });
      writeFileSync(path.join(dir, "alerts.yml"), rules);
      writeFileSync(path.join(dir, "prometheus.yml"), text.replace(ALERT_RULES_FILE, path.join(dir, "alerts.yml")));
      const r = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
      assert.equal(r.error, undefined, "promtool not found: npm test installs it (scripts/test-deps.sh)");
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS: 7 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
