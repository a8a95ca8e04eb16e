// Rolling updates: the readiness wait between two replicas, run under sh with a stand-in docker CLI, and the program
// registering it between replica i and i+1 (never after the last).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { replicaReadyScript } from "../../infra/render/rolling";
import { type Registered, recordResources } from "./mocks";

const registered = recordResources("roll");
pulumi.runtime.setAllConfig({
  "queuekit:preset": "2GiB",
  "queuekit:host": JSON.stringify({ memory: "2GiB", cpus: 2 }),
  "queuekit:workers": JSON.stringify([
    {
      name: "default",
      image: "acme/app:1",
      app: "proj.celery",
      queues: ["celery"],
      replicas: 3,
      concurrency: 1,
      runAs: "1000:1000",
    },
  ]),
  "queuekit:redisPassword": "pw",
});

/** A docker CLI whose `exec … test -f` succeeds from its `succeedAt`-th call on; it logs its arguments. */
function fakeDocker(dir: string, succeedAt: number): void {
  const file = path.join(dir, "docker");
  writeFileSync(file, `#!/bin/sh\necho "$*" >> ${dir}/calls\nn=$(wc -l < ${dir}/calls)\n[ "$n" -ge ${succeedAt} ]\n`);
  chmodSync(file, 0o755);
}

const run = (dir: string, script: string) =>
  spawnSync("sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8", timeout: 20_000 });

describe("replicaReadyScript", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "qk-ready-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("waits until the liveness file exists in the container", () => {
    fakeDocker(dir, 3);
    const r = run(dir, replicaReadyScript("qk-s-worker-default-0", "/tmp/queuekit-alive", 10));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      spawnSync("cat", [`${dir}/calls`], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean).length,
      3,
    );
    assert.match(
      spawnSync("cat", [`${dir}/calls`], { encoding: "utf8" }).stdout,
      /^exec qk-s-worker-default-0 test -f \/tmp\/queuekit-alive$/m,
    );
  });

  it("stops the rollout, naming the container, when it never consumes", () => {
    rmSync(path.join(dir, "calls"), { force: true });
    fakeDocker(dir, 1000);
    const r = run(dir, replicaReadyScript("qk-s-worker-default-1", "/tmp/queuekit-alive", 2));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /qk-s-worker-default-1: no consumer after 2 s/);
  });
});

describe("the program, mocked: replicas in a chain", () => {
  before(async () => {
    await import("../../infra/index");
    await new Promise((r) => setTimeout(r, 200));
  });

  it("a readiness wait after each replica but the last", () => {
    const ready = registered
      .filter((r: Registered) => r.type === "command:local:Command" && r.name.endsWith("-ready"))
      .map((r) => [
        r.name,
        String(r.inputs["create"]).includes(`qk-roll-${r.name.replace(/^workers-(.*)-(\d+)-ready$/, "worker-$1-$2")}`),
      ]);
    assert.deepEqual(ready, [
      ["workers-default-0-ready", true],
      ["workers-default-1-ready", true],
    ]);
  });
});
