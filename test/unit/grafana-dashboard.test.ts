// examples/grafana/queuekit-dashboard.json: importable (a Prometheus datasource input, unique panel ids), and every
// PromQL expression in it names only metrics the Redis exporter serves (fixtures/redis-exporter-metrics.txt, captured
// from the real exporter).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "../../..");
const dashboard = JSON.parse(readFileSync(path.join(root, "examples/grafana/queuekit-dashboard.json"), "utf8")) as {
  __inputs: { name: string; pluginId: string }[];
  uid: string;
  panels: {
    id: number;
    title: string;
    datasource: { uid: string };
    targets: { expr: string; datasource: { uid: string } }[];
  }[];
  templating: { list: { query: { query: string } }[] };
};

/** The exporter's metrics: each name, and a summary's or histogram's series (_sum, _count, _bucket). */
function exporterMetrics(): Set<string> {
  const lines = readFileSync(path.join(root, "test/unit/fixtures/redis-exporter-metrics.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
  return new Set(
    lines.flatMap((l) => {
      const [name, type] = l.split(" ");
      const parts = type === "histogram" ? ["_bucket", "_sum", "_count"] : type === "summary" ? ["_sum", "_count"] : [];
      return [name, ...parts.map((p) => name + p)];
    }),
  );
}

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
]);

/** The metric names a PromQL expression reads: identifiers outside strings, label matchers, ranges and groupings, not called. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  return [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)]
    .filter((m) => m[1] === undefined && !KEYWORDS.has(m[0]))
    .filter((m) => !/^\d/.test(m[0]) && !/\d[smhdwy]$/.test(m[0]))
    .map((m) => m[0]);
}

describe("Grafana dashboard", () => {
  it("reads metric names the way PromQL does", () => {
    assert.deepEqual(metricNames('increase(redis_errors_total{instance=~"$i",err="OOM"}[5m]) > 0'), [
      "redis_errors_total",
    ]);
    assert.deepEqual(metricNames("sum by (key) (rate(a_total[1m])) / on (instance) b"), ["a_total", "b"]);
  });

  it("is importable: a Prometheus datasource input every panel and query uses, unique panel ids", () => {
    assert.deepEqual(
      dashboard.__inputs.map((i) => [i.name, i.pluginId]),
      [["DS_PROMETHEUS", "prometheus"]],
    );
    assert.equal(dashboard.uid, "queuekit-redis");
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of dashboard.panels) {
      assert.equal(p.datasource.uid, "${DS_PROMETHEUS}", p.title);
      assert.ok(p.targets.length > 0, p.title);
      for (const t of p.targets) assert.equal(t.datasource.uid, "${DS_PROMETHEUS}", p.title);
    }
  });

  it("every query names only metrics the exporter serves", () => {
    const served = exporterMetrics();
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, "$1")),
    ];
    const used = new Set(exprs.flatMap(metricNames));
    const unknown = [...used].filter((m) => !served.has(m));
    assert.deepEqual(unknown, [], `not served by the exporter: ${unknown.join(", ")}`);
    // The alert rules' signals are all on it.
    for (const m of [
      "redis_up",
      "redis_memory_used_bytes",
      "redis_memory_max_bytes",
      "redis_memory_used_rss_bytes",
      "redis_errors_total",
      "redis_evicted_keys_total",
      "redis_key_size",
      "redis_pubsub_patterns",
    ])
      assert.ok(used.has(m), m);
  });
});
