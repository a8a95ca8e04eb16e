// Each container's non-root user (runAs): the image's known user when the key is left out, the key when given, and a
// refusal naming the key, the value and the fix for root, a name, or an image whose user the kit does not know.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, type ConfigIssue } from "../../infra/config/errors";
import { parseConfig } from "../../infra/config/parse";
import { knownImageUser } from "../../infra/config/runAs";

const pool = { name: "default", image: "queuekit/celery-demo:local", app: "demo", queues: ["celery"] };
const base = { host: { memory: "2GiB", cpus: 2 }, workers: [pool] };

function issues(raw: unknown): readonly ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return assert.fail("the config was accepted");
}

function refused(raw: unknown, path: string, value: unknown, message: RegExp): void {
  const found = issues(raw).find((i) => i.path === path);
  assert.ok(found, `no issue at ${path}: ${JSON.stringify(issues(raw))}`);
  assert.deepEqual(found.value, value);
  assert.match(found.message, message);
}

describe("knownImageUser", () => {
  it("knows the kit's local images and the schema's upstream defaults, by repository", () => {
    assert.deepEqual(
      [
        "queuekit/redis:7-local",
        "queuekit/celery:5-local",
        "queuekit/celery-demo:local",
        "queuekit/redis-exporter:local",
        "queuekit/prometheus:local",
        "queuekit/flower:local",
        "redis:7",
        "docker.io/library/redis:7.2@sha256:0123",
        "redis:7.2-alpine",
        "prom/prometheus:v2.42.0",
        "oliver006/redis_exporter:v1.45.0-alpine",
        "mher/flower:2.0.1",
      ].map(knownImageUser),
      [
        "101:102",
        "65534:65534",
        "65534:65534",
        "65534:65534",
        "100:101",
        "65534:65534",
        "999:999",
        "999:999",
        "999:1000",
        "65534:65534",
        "59000:59000",
        "1000:1000",
      ],
    );
  });

  it("knows no other image: a lookalike name, another registry's copy, an app", () => {
    for (const image of ["acme/app:1", "myredis:7", "registry.local:5000/redis:7", "bitnami/redis:7", "queuekit/app:1"])
      assert.equal(knownImageUser(image), undefined, image);
  });
});

describe("runAs in the config", () => {
  it("defaults each container to its image's known user", () => {
    const c = parseConfig({
      ...base,
      redis: { image: "queuekit/redis:7-local" },
      monitoring: { enabled: true, prometheus: { enabled: true, image: "queuekit/prometheus:local" } },
      flower: { enabled: true },
    });
    assert.deepEqual(
      [c.redis.runAs, c.workers[0].runAs, c.monitoring.runAs, c.prometheus.runAs, c.flower.runAs],
      ["101:102", "65534:65534", "59000:59000", "100:101", "65534:65534"],
    );
  });

  it("takes runAs as written over the image's user", () => {
    const c = parseConfig({
      ...base,
      redis: { runAs: "6379:6379" },
      workers: [{ ...pool, image: "acme/app:1", runAs: "10001:10001" }],
    });
    assert.deepEqual([c.redis.runAs, c.workers[0].runAs], ["6379:6379", "10001:10001"]);
  });

  it("refuses an image whose user the kit does not know, at its runAs key, with the command that reads it", () => {
    refused(
      { ...base, workers: [{ ...pool, image: "acme/app:1" }] },
      "workers[0].runAs",
      undefined,
      /image "acme\/app:1" is not one whose user the kit knows; set runAs to the non-root "uid:gid" it runs as \(docker run --rm --entrypoint id acme\/app:1\)/,
    );
    refused({ ...base, redis: { image: "bitnami/redis:7" } }, "redis.runAs", undefined, /"bitnami\/redis:7"/);
    refused(
      { ...base, monitoring: { prometheus: { image: "acme/prom:1" } } },
      "monitoring.prometheus.runAs",
      undefined,
      /"acme\/prom:1"/,
    );
    refused({ ...base, flower: { image: "acme/flower:1" } }, "flower.runAs", undefined, /"acme\/flower:1"/);
  });

  it("refuses root, a user name and a uid without its group", () => {
    refused({ ...base, redis: { runAs: "0:0" } }, "redis.runAs", "0:0", /uid 0 is root.*"uid:gid"/);
    refused({ ...base, workers: [{ ...pool, runAs: "0:1000" }] }, "workers[0].runAs", "0:1000", /uid 0 is root/);
    refused({ ...base, monitoring: { runAs: "nobody" } }, "monitoring.runAs", "nobody", /numeric "uid:gid"/);
    refused({ ...base, flower: { runAs: "1000" } }, "flower.runAs", "1000", /numeric "uid:gid", e\.g\. "1000:1000"/);
  });
});
