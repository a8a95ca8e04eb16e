import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { builtName, imageSource, pinnedName } from "../../infra/components/appImage";
import { contextDigest } from "../../infra/components/buildContext";
import { parseImageRef, registryPasswordsOf } from "../../infra/config/images";
import { parseConfig } from "../../infra/config/parse";
import { configRefusal } from "./refusal";

const dir = mkdtempSync(path.join(tmpdir(), "qk-images-unit-"));
mkdirSync(path.join(dir, "app/docker"), { recursive: true });
writeFileSync(path.join(dir, "app/Dockerfile"), "FROM queuekit/celery-demo:local\n");
writeFileSync(path.join(dir, "app/docker/worker.Dockerfile"), "FROM queuekit/celery-demo:local\n");
writeFileSync(path.join(dir, "app/tasks.py"), "x = 1\n");
writeFileSync(path.join(dir, "outside.Dockerfile"), "FROM queuekit/celery-demo:local\n");
after(() => rmSync(dir, { recursive: true, force: true }));

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const registry = { address: "http://127.0.0.1:28400", username: "deploy", password: "s3cret-value" };
const config = (extra: Record<string, unknown>, poolExtra: Record<string, unknown> = {}) => ({
  host: { memory: "2GiB", cpus: 2 },
  workers: [{ ...pool, ...poolExtra }],
  ...extra,
});

const problems = (raw: unknown) => configRefusal(raw, dir).issues;

function assertRefused(raw: unknown, key: string, value: unknown, message: RegExp): string {
  const found = problems(raw).find((i) => i.path === key);
  assert.ok(
    found,
    `no issue at ${key}: ${problems(raw)
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ")}`,
  );
  assert.deepEqual(found.value, value);
  assert.match(found.message, message);
  try {
    parseConfig(raw, dir);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("image references", () => {
  it("reads registry, repository, tag and digest as Docker does", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    assert.deepEqual(parseImageRef("127.0.0.1:28400/kit/app:1"), {
      registry: "127.0.0.1:28400",
      repository: "kit/app",
      tag: "1",
    });
    assert.deepEqual(parseImageRef(`ghcr.io/acme/app@${digest}`), {
      registry: "ghcr.io",
      repository: "acme/app",
      digest,
    });
    assert.deepEqual(parseImageRef("acme/app:1.4"), { repository: "acme/app", tag: "1.4" });
    assert.deepEqual(parseImageRef("localhost/app"), { registry: "localhost", repository: "app" });
    for (const bad of ["Acme/App:1", "app:", "app:1:2", "app@sha256:xyz", "-app", "a//b", "app:-x", ""])
      assert.equal(parseImageRef(bad), undefined, bad);
  });

  it("refuses a malformed pool image, naming the key and the value", () => {
    const text = assertRefused(
      config({}, { image: "Acme/App:latest" }),
      "workers[0].image",
      "Acme/App:latest",
      /\[registry\/\]name\[:tag\]/,
    );
    assert.match(text, /queuekit:workers\[0\]\.image: got "Acme\/App:latest" — /);
  });
});

describe("registries", () => {
  it("accepts a registry with credentials; the password stays out of the parsed config", () => {
    const parsed = parseConfig(config({ registries: [registry] }), dir);
    assert.deepEqual(parsed.registries, [{ address: registry.address, username: registry.username }]);
    assert.ok(!JSON.stringify(parsed).includes(registry.password));
    assert.deepEqual(registryPasswordsOf([registry, { address: "x" }]), [registry.password, ""]);
  });

  it("never prints a password in an error, even under a misspelt key", () => {
    const raw = config({ registries: [{ address: "ghcr.io", username: "u", pasword: registry.password }] });
    const text = assertRefused(raw, "registries[0].pasword", "[secret]", /unknown key/);
    assert.ok(!text.includes(registry.password), text);
  });

  it("refuses a registry without credentials: username and password each named, with the command to set it", () => {
    const raw = config({ registries: [{ address: "ghcr.io" }] });
    assertRefused(raw, "registries[0].password", undefined, /--secret --path 'queuekit:registries\[<i>\]\.password'/);
    assertRefused(raw, "registries[0].username", undefined, /registries\[<i>\]\.username/);
    assertRefused(
      config({ registries: [{ ...registry, password: "" }] }),
      "registries[0].password",
      "[secret]",
      /required/,
    );
  });

  it("refuses a malformed address, a registry listed twice, and an unknown key", () => {
    assertRefused(
      config({ registries: [{ ...registry, address: "ftp://x" }] }),
      "registries[0].address",
      "ftp://x",
      /host\[:port\]/,
    );
    assertRefused(
      config({ registries: [registry, { ...registry, address: "127.0.0.1:28400" }] }),
      "registries[1].address",
      "127.0.0.1:28400",
      /a second entry for 127\.0\.0\.1:28400/,
    );
    assertRefused(
      config({ registries: [{ ...registry, token: "x" }] }),
      "registries[0].token",
      "[secret]",
      /unknown key/,
    );
  });

  it("pulls from a listed registry, uses the engine's image otherwise, builds when asked", () => {
    const registries = parseConfig(config({ registries: [registry] }), dir).registries ?? [];
    assert.equal(imageSource({ image: "127.0.0.1:28400/kit/app:1", registries }), "registry");
    assert.equal(imageSource({ image: "127.0.0.1:5000/kit/app:1", registries }), "engine");
    assert.equal(imageSource({ image: "queuekit/celery-demo:local", registries }), "engine");
    const build = { context: dir, dockerfile: "Dockerfile", args: {} };
    assert.equal(imageSource({ image: "127.0.0.1:28400/kit/app:1", build, registries }), "build");
  });
});

describe("several hosts", () => {
  it("refuses registries and builds with hosts[]: images would reach one engine only", () => {
    const ssh = (host: string) => ({ kind: "ssh", host });
    const raw = {
      hosts: [
        { name: "a", privateAddress: "10.0.0.2", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.10") },
        { name: "b", privateAddress: "10.0.0.3", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.11") },
      ],
      redis: { memory: "512MiB" },
      workers: [{ ...pool, replicas: 2, build: { context: "app" } }],
      registries: [registry],
    };
    assertRefused(raw, "workers[0].build", { context: "app" }, /not yet with hosts \(several hosts\)/);
    assertRefused(raw, "registries", [{ ...registry, password: "[secret]" }], /not yet with hosts/);
  });
});

describe("builds", () => {
  it("resolves the context from the project directory and the Dockerfile inside it", () => {
    const parsed = parseConfig(config({}, { build: { context: "app", args: { VERSION: "1" } } }), dir);
    assert.deepEqual(parsed.workers[0].build, {
      context: path.join(dir, "app"),
      dockerfile: "Dockerfile",
      args: { VERSION: "1" },
    });
    const other = parseConfig(config({}, { build: { context: "app", dockerfile: "docker/worker.Dockerfile" } }), dir);
    assert.equal(other.workers[0].build?.dockerfile, "docker/worker.Dockerfile");
  });

  it("refuses a context or Dockerfile that does not exist, naming the path and where it was read from", () => {
    const text = assertRefused(
      config({}, { build: { context: "missing" } }),
      "workers[0].build.context",
      "missing",
      /no such directory: .*\/missing — relative paths are read from/,
    );
    assert.match(text, /queuekit:workers\[0\]\.build\.context: got "missing" — /);
    assertRefused(
      config({}, { build: { context: "app", dockerfile: "Nope.Dockerfile" } }),
      "workers[0].build.dockerfile",
      "Nope.Dockerfile",
      /no such Dockerfile in the context/,
    );
    assertRefused(
      config({}, { build: { context: "app", dockerfile: "../outside.Dockerfile" } }),
      "workers[0].build.dockerfile",
      "../outside.Dockerfile",
      /a path inside/,
    );
    assertRefused(
      config({}, { build: { context: "app/tasks.py" } }),
      "workers[0].build.context",
      "app/tasks.py",
      /is not a directory/,
    );
  });

  it("names a build by the context's digest; pins a pull by the registry's digest", () => {
    const digest = contextDigest(path.join(dir, "app"));
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(
      builtName("127.0.0.1:28400/kit/app:dev", digest),
      `127.0.0.1:28400/kit/app:dev-ctx-${digest.slice(0, 12)}`,
    );
    assert.equal(builtName("kit/app", digest), `kit/app:ctx-${digest.slice(0, 12)}`);
    const sha = `sha256:${"b".repeat(64)}`;
    assert.equal(pinnedName("127.0.0.1:28400/kit/app:1", sha), `127.0.0.1:28400/kit/app@${sha}`);
  });

  it("changes the context digest with a file's content, and only then", () => {
    const ctx = path.join(dir, "app");
    const before = contextDigest(ctx);
    assert.equal(contextDigest(ctx), before);
    writeFileSync(path.join(ctx, "tasks.py"), "x = 2\n");
    assert.notEqual(contextDigest(ctx), before);
    writeFileSync(path.join(ctx, "tasks.py"), "x = 1\n");
    assert.equal(contextDigest(ctx), before);
  });
});
