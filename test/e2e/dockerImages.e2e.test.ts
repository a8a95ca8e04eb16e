// Image round trips through the real CLI and the bridged docker plugin (issue 11), on a throw-away engine and the
// private test registry (test/e2e/registry.ts, basic auth): docker.RemoteImage pulls with the provider's
// registryAuth (the password a Pulumi secret), docker.Tag tags a local image, docker.RegistryImage pushes it.
// Each is applied, a second `up` and a `refresh` change nothing, a wrong password is refused, destroy removes the
// pulled image and the pushed manifest (upstream's Tag keeps its tag). Port 28210 (the registry).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadImage, startTestEngine, type TestEngine } from "./dockerEngine";
import { type Registry, startRegistry } from "./registry";
import { type Spec, SpecProgram } from "./specProgram";

const SOURCE = "queuekit/redis:7-local";

describe("RemoteImage, Tag and RegistryImage against a private registry", { timeout: 1_800_000 }, () => {
  let engine: TestEngine;
  let registry: Registry;
  let program: SpecProgram;
  let seeded: string; // the registry's digest of the image RemoteImage pulls
  const seed = () => `${registry.address}/e2e/seed:1`;
  const pushed = () => `${registry.address}/e2e/pushed:1`;

  /** The registry's digest of a manifest (HEAD with the credentials), or its HTTP status when there is none. */
  async function manifest(repoTag: string): Promise<string | number> {
    const [name, tag] = repoTag.slice(registry.address.length + 1).split(":");
    const auth = Buffer.from(`${registry.user}:${registry.password}`).toString("base64");
    const res = await fetch(`http://${registry.address}/v2/${name}/manifests/${tag}`, {
      method: "HEAD",
      headers: {
        authorization: `Basic ${auth}`,
        accept: "application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    return res.status === 200 ? String(res.headers.get("docker-content-digest")) : res.status;
  }

  const spec = (): Spec => ({
    provider: {
      host: engine.host,
      // http://: the plugin's own registry requests (RegistryImage's digest) use HTTPS unless the address says otherwise.
      registryAuth: [
        { address: `http://${registry.address}`, username: registry.user, password: { $secret: registry.password } },
      ],
    },
    resources: [
      { kind: "RemoteImage", name: "pulled", args: { name: seed(), keepLocally: false } },
      { kind: "Tag", name: "tag", args: { sourceImage: SOURCE, targetImage: pushed() } },
      { kind: "RegistryImage", name: "push", args: { name: { $ref: "tag.targetImage" }, keepRemotely: false } },
    ],
  });
  const image = (ref: string) => engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", ref]);

  before(async () => {
    registry = await startRegistry(28210);
    engine = await startTestEngine("{}");
    loadImage(engine, SOURCE);
    // The image RemoteImage pulls, pushed with the docker CLI (its login in a throw-away DOCKER_CONFIG), then
    // untagged so the pull has to fetch it.
    const config = mkdtempSync(path.join(tmpdir(), "qk-images-client-"));
    const cli = (args: string[], input?: string) => {
      const r = spawnSync("docker", ["-H", engine.host, ...args], {
        encoding: "utf8",
        input,
        env: { ...process.env, DOCKER_CONFIG: config },
      });
      assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    };
    try {
      cli(["login", "-u", registry.user, "--password-stdin", registry.address], registry.password);
      cli(["tag", SOURCE, seed()]);
      cli(["push", seed()]);
      cli(["rmi", seed()]);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
    seeded = String(await manifest(seed()));
    assert.match(seeded, /^sha256:/);
    program = new SpecProgram(`images-${process.pid}`);
  });

  after(async () => {
    try {
      if (program) program.dispose();
    } finally {
      if (engine) await engine.stop();
      if (registry) await registry.stop();
    }
  });

  it("a pull with a wrong password fails, naming the image and the registry's refusal (before any pull: an image already in the engine is not pulled again)", () => {
    const bad = new SpecProgram(`images-bad-${process.pid}`);
    try {
      const r = bad.pulumi("up --yes --skip-preview", {
        provider: {
          host: engine.host,
          registryAuth: [
            { address: `http://${registry.address}`, username: registry.user, password: { $secret: "wrong" } },
          ],
        },
        resources: [{ kind: "RemoteImage", name: "denied", args: { name: seed() } }],
      });
      assert.notEqual(r.code, 0, r.stdout);
      assert.ok(r.stdout.includes(seed()), r.stdout);
      assert.match(r.stdout, /unauthorized|authentication required/i);
    } finally {
      bad.dispose();
    }
  });

  it("up pulls with the secret credentials, tags, and pushes", async () => {
    const up = program.must("up --yes --skip-preview", spec());
    assert.match(up.stdout, /\+ 5 created/); // with the stack and the provider
    const state = program.state();
    // Pulled: the engine has the registry's manifest under the name.
    assert.equal(image(seed()).code, 0, image(seed()).stderr);
    assert.ok(image(seed()).stdout.includes(`${registry.address}/e2e/seed@${seeded}`), image(seed()).stdout);
    assert.equal(state.pulled!.outputs.repoDigest, `${registry.address}/e2e/seed@${seeded}`);
    // Tagged: the target names the source's image.
    const id = (ref: string) => engine.docker(["image", "inspect", "-f", "{{.Id}}", ref]).stdout.trim();
    assert.equal(id(pushed()), id(SOURCE));
    // Pushed: the registry serves the manifest whose digest the resource reports.
    const digest = await manifest(pushed());
    assert.match(String(digest), /^sha256:/);
    assert.equal(state.push!.outputs.sha256Digest, digest);
    assert.ok(!program.rawState().includes(registry.password), "the registry password must stay encrypted");
    assert.match(registry.log(), /PUT \/v2\/e2e\/pushed\/manifests\/1/);
  });

  it("a second up and a refresh change nothing", () => {
    program.must("up --yes --skip-preview --expect-no-changes", spec());
    program.must("refresh --yes --skip-preview --expect-no-changes");
  });

  it("destroy removes the pulled image and the pushed manifest; the tag stays (upstream's Tag deletes nothing)", async () => {
    program.must("destroy --yes --skip-preview", spec());
    assert.notEqual(image(seed()).code, 0, "the pulled image must be removed (keepLocally: false)");
    assert.equal(image(pushed()).code, 0, "upstream's docker_tag delete keeps source and target");
    assert.equal(image(SOURCE).code, 0);
    assert.equal(await manifest(pushed()), 404, "the pushed manifest must be deleted (keepRemotely: false)");
  });
});
