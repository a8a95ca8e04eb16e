// Images the user already has, end to end: a private registry on 127.0.0.1 behind basic auth (its password a Pulumi
// secret) for one pool and beat, and an image built on the engine from a Dockerfile for another. The running
// containers are pinned (registry digest, build's image ID), a second `up` changes nothing, a tag moved in the
// registry is picked up by the next `up` (no refresh needed: every preview/up asks the registry for the tag's digest),
// the password shows in no `docker inspect`, state, log or output, and bad image config deploys nothing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, leftovers, ok, sh, TestStack, testStackName, waitForNode } from "./harness";
import { type Registry, startRegistry } from "./registry";

const REGISTRY_PORT = 28400;
const REDIS_PORT = 28401;
const EXPORTER_PORT = 28402;
const REPO = "qk-images/app";

interface Outputs {
  readonly redisUrl: string;
  readonly workerContainers: string[];
  readonly workerNodes: string[];
  readonly beatContainer: string;
}

describe("images: a private registry pinned by digest, a build on the engine", () => {
  let registry: Registry;
  let stack: TestStack;
  let work: string;
  let dockerConfig: string;
  let image: string;
  const logs: string[] = [];

  /** Build `version` FROM the local demo image and push it as REPO:1 (a temporary docker login: ~/.docker untouched). */
  function pushVersion(version: string): string {
    const ctx = mkdtempSync(path.join(work, "push-"));
    writeFileSync(
      path.join(ctx, "Dockerfile"),
      `FROM queuekit/celery-demo:local\nLABEL queuekit.e2e=images\nCOPY version /etc/qk-version\n`,
    );
    writeFileSync(path.join(ctx, "version"), `${version}\n`);
    const env = { DOCKER_CONFIG: dockerConfig, QK_REGISTRY_PASSWORD: registry.password };
    ok(`docker build -q -t ${image} ${ctx}`);
    ok(
      `printf %s "$QK_REGISTRY_PASSWORD" | docker login -u ${registry.user} --password-stdin ${registry.address}`,
      env,
    );
    ok(`docker push ${image}`, env);
    const digest = /sha256:[0-9a-f]{64}/.exec(docker(`inspect --format '{{index .RepoDigests 0}}' ${image}`))?.[0];
    assert.ok(digest, `no repo digest for ${image}`);
    // The engine forgets it: the stack must pull it, with the registry's credentials.
    docker(`rmi ${image}`);
    return digest;
  }

  const outputs = (): Outputs => JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
  const imageOf = (container: string): string => docker(`inspect --format '{{.Config.Image}}' ${container}`);
  const versionIn = (container: string): string => docker(`exec ${container} cat /etc/qk-version`);

  function up(): void {
    const r = stack.pulumi("up --yes --skip-preview");
    logs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }

  before(async () => {
    registry = await startRegistry(REGISTRY_PORT);
    work = mkdtempSync(path.join(tmpdir(), "qk-images-e2e-"));
    dockerConfig = path.join(work, "docker-config");
    image = `${registry.address}/${REPO}:1`;
    writeFileSync(path.join(work, "Dockerfile"), "FROM queuekit/celery-demo:local\nCOPY version /etc/qk-version\n");
    writeFileSync(path.join(work, "version"), "built-1\n");
    stack = new TestStack(testStackName("images"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace("port: 16379", `port: ${REDIS_PORT}`)
        .replace("port: 19121", `port: ${EXPORTER_PORT}`)
        .concat(
          [
            "  queuekit:workers:",
            "    - name: private",
            `      image: ${image}`,
            // Both images are the demo app on the kit's Celery image: its user nobody.
            '      runAs: "65534:65534"',
            "      app: demo",
            "      queues: [celery]",
            "      concurrency: 1",
            "    - name: built",
            "      image: qk-images/built:dev",
            `      build: {context: ${work}}`,
            '      runAs: "65534:65534"',
            "      app: demo",
            "      queues: [built]",
            "      concurrency: 1",
            "  queuekit:beat:",
            "    enabled: true",
            "    pool: private",
            "",
          ].join("\n"),
        ),
    );
  });

  after(async () => {
    stack?.dispose();
    await registry?.stop();
    for (const ref of docker(`images --format '{{.Repository}}:{{.Tag}}' --filter label=queuekit.e2e=images`).split(
      "\n",
    ))
      if (ref) sh(`docker rmi -f ${ref}`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("refuses a registry without its password and a missing build context: nothing deployed", () => {
    ok(
      `pulumi config set --path 'queuekit:registries[0].address' http://${registry.address} --stack ${stack.name}`,
      stack.env,
    );
    ok(`pulumi config set --path 'queuekit:registries[0].username' ${registry.user} --stack ${stack.name}`, stack.env);
    ok(`pulumi config set --path 'queuekit:workers[1].build.context' ${work}/missing --stack ${stack.name}`, stack.env);
    const failed = stack.pulumi("up --yes --skip-preview");
    assert.notEqual(failed.code, 0);
    const text = failed.stdout + failed.stderr;
    assert.match(text, /queuekit:registries\[0\]\.password: got nothing — required: a registry is listed/);
    assert.match(text, /queuekit:workers\[1\]\.build\.context: got ".*\/missing" — no such directory/);
    assert.deepEqual(
      stack.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
    assert.deepEqual(leftovers(stack.name), []);
  });

  let first: string;
  it("pulls the private image by digest with the secret's credentials, builds the other on the engine", () => {
    first = pushVersion("v1");
    ok(`pulumi config set --path 'queuekit:workers[1].build.context' ${work} --stack ${stack.name}`, stack.env);
    // From stdin (printf is bash's builtin): the password is in no process's argv.
    ok(
      `printf %s "$QK_REGISTRY_PASSWORD" | pulumi config set --secret --path 'queuekit:registries[0].password' --stack ${stack.name}`,
      { ...stack.env, QK_REGISTRY_PASSWORD: registry.password },
    );
    up();
    const out = outputs();
    const [privateWorker, builtWorker] = out.workerContainers;
    const pinned = `${registry.address}/${REPO}@${first}`;
    assert.equal(imageOf(privateWorker), pinned);
    assert.equal(imageOf(out.beatContainer), pinned, "beat runs the pool's pinned image");
    assert.equal(versionIn(privateWorker), "v1");
    assert.match(imageOf(builtWorker), /^sha256:[0-9a-f]{64}$/);
    assert.equal(versionIn(builtWorker), "built-1");
    const broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${REDIS_PORT}/`);
    for (const node of out.workerNodes) waitForNode(broker, node, 120);
  });

  it("a second up with the tag unchanged changes nothing", () => {
    const preview = stack.pulumi("preview --expect-no-changes --diff");
    logs.push(preview.stdout, preview.stderr);
    assert.equal(preview.code, 0, preview.stdout + preview.stderr);
  });

  it("the next up picks up a tag moved in the registry and a changed build context", () => {
    const builtBefore = imageOf(outputs().workerContainers[1]);
    const second = pushVersion("v2");
    assert.notEqual(second, first);
    writeFileSync(path.join(work, "version"), "built-2\n");
    up();
    const out = outputs();
    assert.equal(imageOf(out.workerContainers[0]), `${registry.address}/${REPO}@${second}`);
    assert.equal(versionIn(out.workerContainers[0]), "v2");
    assert.equal(versionIn(out.beatContainer), "v2");
    assert.notEqual(imageOf(out.workerContainers[1]), builtBefore);
    assert.equal(versionIn(out.workerContainers[1]), "built-2");
    // The replaced images are gone from the engine: nothing piles up across deploys.
    assert.equal(sh(`docker image inspect ${registry.address}/${REPO}@${first}`).code !== 0, true);
    const again = stack.pulumi("preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it("the registry password is in no docker inspect, state, log or output", () => {
    const containers = docker(`ps -a --filter label=queuekit.stack=${stack.name} --format '{{.Names}}'`).split("\n");
    assert.ok(containers.length >= 4, containers.join(" "));
    const inspected = docker(`inspect ${containers.join(" ")}`);
    const state = ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout;
    const output = stack.pulumi("stack output --json --show-secrets").stdout;
    const containerLogs = containers.map((c) => sh(`docker logs ${c}`)).map((r) => r.stdout + r.stderr);
    for (const [where, text] of [
      ["docker inspect", inspected],
      ["pulumi stack export", state],
      ["stack outputs", output],
      ["pulumi up/preview logs", logs.join("\n")],
      ["container logs", containerLogs.join("\n")],
    ] as const)
      assert.ok(!text.includes(registry.password), `the registry password is in ${where}`);
    // It is in the state, encrypted: the images provider carries it as a secret.
    assert.match(state, /"registryAuth"/);
  });

  it("destroy removes the containers and every image it pulled or built", () => {
    const r = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(leftovers(stack.name), []);
    assert.equal(docker(`images --filter reference='${registry.address}/${REPO}' -q`), "");
    assert.equal(docker(`images --filter reference='qk-images/built' -q`), "");
  });
});
