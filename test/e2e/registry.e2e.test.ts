// The test registry itself (test/e2e/registry.ts): basic auth is enforced, dockerd can push to and pull
// from it with the credentials, and stop leaves nothing listening and nothing on disk.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { probe, startRegistry } from "./registry";

const PORT = 28200; // this file's port, in the 28200-28299 range of the registry/Swarm tests
const IMAGE = "queuekit/redis:7-local";

test(
  "registry: bcrypt basic auth, a docker push and pull round trip, stop cleans up",
  { timeout: 600_000 },
  async () => {
    const registry = await startRegistry(PORT);
    // The client's login lands in its own DOCKER_CONFIG, never in root's ~/.docker.
    const dockerConfig = mkdtempSync(path.join(tmpdir(), "qk-registry-client-"));
    const ref = `${registry.address}/e2e/redis:7`;
    const docker = (args: string[], input?: string) => {
      const r = spawnSync("docker", args, {
        encoding: "utf8",
        input,
        env: { ...process.env, DOCKER_CONFIG: dockerConfig },
        timeout: 300_000,
      });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    try {
      assert.equal(await probe(registry.address), 401, "no credentials must be refused");
      assert.equal(await probe(registry.address, { user: registry.user, password: "wrong" }), 401);
      assert.equal(await probe(registry.address, { user: registry.user, password: registry.password }), 200);

      const anonymous = docker(["pull", ref]);
      assert.notEqual(anonymous.code, 0, "an anonymous pull must fail");
      const login = docker(["login", "-u", registry.user, "--password-stdin", registry.address], registry.password);
      assert.equal(login.code, 0, login.out);
      assert.equal(docker(["tag", IMAGE, ref]).code, 0);
      const push = docker(["push", ref]);
      assert.equal(push.code, 0, push.out);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.out)?.[1];
      assert.ok(digest, `push printed no digest: ${push.out}`);
      assert.equal(docker(["rmi", ref]).code, 0);
      const pull = docker(["pull", ref]);
      assert.equal(pull.code, 0, pull.out);
      assert.match(pull.out, new RegExp(digest));
      assert.match(registry.log(), /PUT \/v2\/e2e\/redis\/manifests\/7/);
    } finally {
      docker(["rmi", ref]);
      rmSync(dockerConfig, { recursive: true, force: true });
      await registry.stop();
    }
    await assert.rejects(probe(registry.address), "nothing listens after stop");
    assert.equal(existsSync(registry.dir), false, "stop removes the registry's dir");
  },
);
