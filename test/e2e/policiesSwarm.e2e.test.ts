// The pack's Swarm rules end to end (issue 11): examples/policy-safe-swarm (docker.Service resources) previews with
// no violation under its policy-config.json, fails container-swap-bounded without it, and deploys with the pack on
// a single-node swarm of a throw-away engine; an unsafe Swarm example is stopped by the pack at `up`, nothing
// deployed. The unsafe examples' previews are in policies.e2e.test.ts with the others. Ports 28292-28293.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadImage, type TestEngine } from "./dockerEngine";
import { ok, repo, sh, type Result } from "./harness";
import { startSwarmEngine } from "./swarm";

const pack = path.join(repo, "policies");
const MiB = 2 ** 20;

/** [level, rule] of each violation the CLI printed under "Policies:". */
const violations = (r: Result): [string, string][] =>
  [
    ...`${r.stdout}${r.stderr}`.matchAll(/^\s*- \[(mandatory|advisory)\](?: \[severity: \w+\])?\s+([a-z0-9-]+)\s+\(/gm),
  ].map((m) => [m[1]!, m[2]!]);

describe("the pack's Swarm rules through the CLI, and the safe Swarm example deployed", { timeout: 1_800_000 }, () => {
  let work: string;
  let engine: TestEngine;
  const env = (): NodeJS.ProcessEnv => ({ PULUMI_BACKEND_URL: `file://${work}/state`, DOCKER_HOST: engine.host });
  const pulumi = (example: string, args: string): Result =>
    sh(`cd ${path.join(work, "examples", example)} && pulumi ${args} --stack e2e --non-interactive`, env());
  const config = () => path.join(work, "examples/policy-safe-swarm/policy-config.json");
  const services = () => engine.docker(["service", "ls", "--format", "{{.Name}}"]).stdout.trim();

  before(async () => {
    ok("cd policies && npx tsc -p tsconfig.json");
    work = mkdtempSync(path.join(tmpdir(), "qk-policy-swarm-"));
    mkdirSync(path.join(work, "state"));
    symlinkSync(path.join(repo, "node_modules"), path.join(work, "node_modules"));
    for (const name of ["policy-common", "policy-safe-swarm", "policy-unsafe-redis-public-swarm"])
      cpSync(path.join(repo, "examples", name), path.join(work, "examples", name), { recursive: true });
    engine = await startSwarmEngine({ listen: 28292, dataPath: 28293 });
    for (const image of ["queuekit/redis:7-local", "queuekit/celery-demo:local"]) loadImage(engine, image);
    for (const example of ["policy-safe-swarm", "policy-unsafe-redis-public-swarm"])
      ok(`cd ${path.join(work, "examples", example)} && pulumi stack init e2e --non-interactive`, env());
  });

  after(async () => {
    try {
      if (work)
        for (const example of ["policy-safe-swarm", "policy-unsafe-redis-public-swarm"]) {
          pulumi(example, "destroy --yes --skip-preview");
          pulumi(example, "stack rm --yes --force");
        }
    } finally {
      if (engine) await engine.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it("policy-safe-swarm previews with no violation under its policy config", () => {
    const r = pulumi(
      "policy-safe-swarm",
      `preview --diff=false --policy-pack ${pack} --policy-pack-config ${config()}`,
    );
    assert.deepEqual(violations(r), [], r.stdout);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✅ queuekit-memory-safety@v\d/);
  });

  it("without it, container-swap-bounded rejects both services (Swarm cannot limit swap)", () => {
    const r = pulumi("policy-safe-swarm", `preview --diff=false --policy-pack ${pack}`);
    assert.notEqual(r.code, 0, r.stdout);
    const swap = violations(r).filter(([level, rule]) => level === "mandatory" && rule === "container-swap-bounded");
    assert.equal(swap.length, 2, r.stdout);
    assert.match(r.stdout, /docker\.Service "policy-example-worker": Swarm services cannot limit swap/);
  });

  it("policy-safe-swarm deploys with the pack: both services run under their limits", async () => {
    ok(
      `cd ${path.join(work, "examples/policy-safe-swarm")} && pulumi up --yes --skip-preview --stack e2e --non-interactive --policy-pack ${pack} --policy-pack-config ${config()}`,
      env(),
    );
    assert.deepEqual(services().split("\n").sort(), ["policy-example-redis", "policy-example-worker"]);
    const limit = (svc: string) =>
      engine
        .docker(["service", "inspect", "-f", "{{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}}", svc])
        .stdout.trim();
    assert.equal(limit("policy-example-redis"), String(256 * MiB));
    assert.equal(limit("policy-example-worker"), String(384 * MiB));
    // Redis' task runs with the limit and the settings the pack read from its arguments.
    for (let i = 0; ; i++) {
      const id = engine
        .docker([
          "ps",
          "-q",
          "--filter",
          "label=com.docker.swarm.service.name=policy-example-redis",
          "--filter",
          "status=running",
        ])
        .stdout.trim()
        .split("\n")[0];
      if (id) {
        assert.equal(engine.docker(["inspect", "-f", "{{.HostConfig.Memory}}", id]).stdout.trim(), String(256 * MiB));
        const maxmemory = engine.docker([
          "exec",
          id,
          "redis-cli",
          "--no-auth-warning",
          "-a",
          "example-only",
          "config",
          "get",
          "maxmemory",
        ]);
        assert.equal(maxmemory.stdout.trim(), `maxmemory\n${179 * MiB}`);
        break;
      }
      assert.ok(i < 120, engine.docker(["service", "ps", "--no-trunc", "policy-example-redis"]).stdout);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const destroy = pulumi("policy-safe-swarm", "destroy --yes --skip-preview");
    assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
    assert.equal(services(), "");
  });

  it("policy-unsafe-redis-public-swarm: `up` stops at its preview on redis-not-public, nothing deployed", () => {
    const r = pulumi(
      "policy-unsafe-redis-public-swarm",
      `up --yes --policy-pack ${pack} --policy-pack-config ${config()}`,
    );
    assert.notEqual(r.code, 0, r.stdout);
    assert.ok(
      violations(r).some(([level, rule]) => level === "mandatory" && rule === "redis-not-public"),
      r.stdout,
    );
    assert.equal(services(), "");
  });
});
