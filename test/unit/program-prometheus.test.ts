// The whole program under pulumi.runtime.setMocks with monitoring.prometheus on: Prometheus is registered beside the
// exporter with its planned memory, hardened like every kit container, on loopback, with its config and the stack's
// alert rules uploaded — and no password anywhere `docker inspect` would show it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { type Registered, recordResources } from "./mocks";

const registered = recordResources("prod");

const PASSWORD = "pw-under-test-5d1e";
const host = { memory: "2GiB", cpus: 2, connection: { kind: "local" } };
const workers = [{ name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] }];
const monitoring = { enabled: true, prometheus: { enabled: true, memory: "128MiB", evaluationInterval: "5s" } };
pulumi.runtime.setAllConfig(
  {
    "queuekit:host": JSON.stringify(host),
    "queuekit:workers": JSON.stringify(workers),
    "queuekit:monitoring": JSON.stringify(monitoring),
    "queuekit:redisPassword": PASSWORD,
  },
  ["queuekit:redisPassword"],
);
const plan = planMemory(parseConfig({ host, workers, monitoring }));

const container = (name: string): Registered => {
  const r = registered.find((c) => c.type === "docker:index/container:Container" && c.inputs["name"] === name);
  assert.ok(r, `container ${name} registered`);
  return r;
};

let outputs: Record<string, unknown>;
before(async () => {
  outputs = (await import("../../infra/index")) as Record<string, unknown>;
  await new Promise((r) => setTimeout(r, 200)); // let the outputs' applies register their resources
});

describe("the program with monitoring.prometheus, mocked", () => {
  it("registers Prometheus with its planned memory, hardened, on loopback, with a healthcheck and rotated logs", () => {
    const p = container("qk-prod-prometheus");
    assert.equal(plan.prometheus?.limit.mib, 128);
    assert.equal(p.inputs["memory"], 128);
    assert.equal(p.inputs["memorySwap"], 128);
    assert.deepEqual(p.inputs["envs"], [`GOMEMLIMIT=${Math.floor(128 * 2 ** 20 * 0.8)}`]);
    assert.deepEqual(p.inputs["capabilities"], { drops: ["ALL"] });
    assert.deepEqual(p.inputs["securityOpts"], ["no-new-privileges:true"]);
    assert.equal(p.inputs["cpuShares"], plan.prometheus?.cpuShares);
    assert.deepEqual(p.inputs["ports"], [{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
    assert.deepEqual((p.inputs["healthcheck"] as { tests: string[] }).tests.slice(0, 2), ["CMD", "wget"]);
    assert.equal(p.inputs["logDriver"], "json-file");
    assert.deepEqual(p.inputs["logOpts"], { "max-size": "10m", "max-file": "3" });
    assert.equal(p.inputs["restart"], "unless-stopped");
  });

  it("uploads its config (the exporter on the stack network, the rules file) and the stack's alert rules", async () => {
    // Through its config carrier (never started): Prometheus' root filesystem is read-only.
    const uploads = container("qk-prod-prometheus-config").inputs["uploads"] as { file: string; content: string }[];
    const byFile = Object.fromEntries(uploads.map((u) => [u.file, u.content]));
    const config = parse(byFile["/etc/queuekit/prometheus.yml"]!) as {
      global: { evaluation_interval: string };
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    assert.equal(config.global.evaluation_interval, "5s");
    assert.deepEqual(config.rule_files, ["/etc/queuekit/alerts.yml"]);
    assert.deepEqual(config.scrape_configs[0]!.static_configs[0]!.targets, ["qk-prod-monitoring:9121"]);
    assert.equal(byFile["/etc/queuekit/alerts.yml"], outputs["alertRules"]);
    assert.equal(outputs["prometheusUrl"], "http://127.0.0.1:9090");
    const text = JSON.stringify(
      ["command", "envs", "labels", "healthcheck"]
        .map((k) => container("qk-prod-prometheus").inputs[k])
        .concat(uploads),
    );
    assert.ok(!text.includes(PASSWORD), "the Redis password");
  });
});
