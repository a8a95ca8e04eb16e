// The kit as a library, end to end: both packages packed by npm, installed offline into a copy of
// examples/own-program (a user's Pulumi program with its own network), then `pulumi up`, a task through the pool,
// `pulumi preview` with the packed policy pack, and destroy — as a user outside this repo would run them.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, inspect, leftovers, ok, repo, sh, TestStack, testStackName } from "./harness";
import { lockFor, type Manifest } from "./npmLock";
import { hostPaths } from "../../infra/render/host/paths";

const EXAMPLE = "examples/own-program";
const TEMPLATE = `${EXAMPLE}/Pulumi.example.yaml`;
const REDIS_PORT = 28500;
const BAD_PORT = 28501;

const writeLock = (dir: string, lock: object): void =>
  writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
/** The host files of this stack (other engineers' stacks set the same kernel settings: only its own files are its). */
const hostFiles = (stack: string): string[] => Object.values(hostPaths(stack)).filter((f) => existsSync(f));

/** `npm pack` of the package in `dir` (its prepack builds it) into `dest` as `<as>.tgz`; the tarball's path. */
function pack(dir: string, dest: string, as: string): string {
  const out = ok(`cd ${dir} && npm pack --json --pack-destination ${dest} 2>/dev/null`).stdout;
  const [{ filename }] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
  const tarball = path.join(dest, `${as}.tgz`);
  renameSync(path.join(dest, filename), tarball);
  return tarball;
}

describe("examples/own-program: the packed kit and policy pack in a user's own Pulumi program", () => {
  let program: string;
  let stack: TestStack | undefined;
  let bad: TestStack | undefined;
  const withPort = (port: number) => (yaml: string) => yaml.replace(`redisPort: ${REDIS_PORT}`, `redisPort: ${port}`);

  before(() => {
    // Outside the repo: nothing above it resolves to the repo's node_modules, toolchain/ or dist/.
    program = mkdtempSync(path.join(tmpdir(), "qk-own-program-"));
    cpSync(path.join(repo, EXAMPLE), program, {
      recursive: true,
      filter: (src) => !/\/(node_modules|dist|vendor)(\/|$)/.test(src.slice(repo.length)),
    });
    mkdirSync(path.join(program, "vendor"));
    pack(repo, path.join(program, "vendor"), "queuekit");
    const packTarball = pack(path.join(repo, "policies"), path.join(program, "vendor"), "queuekit-memory-safety");
    // Offline: each lock names the versions the repo's npm ci put in npm's cache, so no registry is asked anything.
    const kitTarball = { manifest: manifest(repo), file: "vendor/queuekit.tgz" };
    writeLock(program, lockFor(manifest(program), [kitTarball], [path.join(repo, "package-lock.json")]));
    ok(`cd ${program} && npm ci --offline --no-audit --no-fund && npm run build`);
    // A policy pack is a directory with its own node_modules (the CLI starts ./node_modules/@pulumi/pulumi's runner).
    const policy = path.join(program, "policy");
    mkdirSync(policy);
    ok(`tar -xzf ${packTarball} -C ${policy} --strip-components=1`);
    writeLock(policy, lockFor(manifest(policy), [], [path.join(repo, "policies/package-lock.json")]));
    ok(`cd ${policy} && npm ci --omit=dev --offline --no-audit --no-fund`);
  });

  after(() => {
    stack?.dispose();
    bad?.dispose();
    if (program) rmSync(program, { recursive: true, force: true });
  });

  it("installs only the packages' published files: templates beside the compiled kit, the parser in the pack", () => {
    const kit = path.join(program, "node_modules/queuekit");
    assert.ok(existsSync(path.join(kit, "templates/redis/redis.conf.tmpl")));
    assert.ok(existsSync(path.join(kit, "dist/infra/lib.d.ts")));
    assert.ok(!existsSync(path.join(kit, "dist/infra/index.js")), "the repo's own stack is not part of the library");
    assert.ok(!existsSync(path.join(kit, "test")) && !existsSync(path.join(kit, "dist/test")));
    assert.ok(existsSync(path.join(program, "policy/dist/shparse.wasm")));
    assert.ok(
      !existsSync(path.join(program, "policy/dist/test")) && !existsSync(path.join(program, "policy/index.ts")),
    );
  });

  it("an invalid config object is refused through the library with the key, the value and the fix; nothing deployed", () => {
    bad = new TestStack(testStackName("ownbad"), TEMPLATE, withPort(BAD_PORT), program);
    ok(`pulumi config set --secret own-program:redisPassword x --stack ${bad.name} --cwd ${program}`, bad.env);
    ok(`pulumi config set --path own-program:queuekit.host.memory 2GB --stack ${bad.name} --cwd ${program}`, bad.env);
    ok(
      `pulumi config set --path own-program:queuekit.redis.maxmemoryPolicy allkeys-lru --stack ${bad.name} --cwd ${program}`,
      bad.env,
    );
    const up = bad.pulumi("up --yes --skip-preview");
    assert.notEqual(up.code, 0);
    const text = up.stdout + up.stderr;
    assert.match(text, /queuekit config has 2 problems:/);
    assert.match(text, /queuekit:host\.memory: got "2GB" — /);
    assert.match(text, /queuekit:redis\.maxmemoryPolicy: got "allkeys-lru" — evicts queued tasks/);
    assert.doesNotMatch(text, /at parseConfig|\.js:\d+:\d+/, "the message alone, no stack trace");
    assert.deepEqual(
      bad.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
    assert.deepEqual(leftovers(bad.name), []);
  });

  it("pulumi up deploys the kit on the program's own network, and the pool runs a task", () => {
    stack = new TestStack(testStackName("ownprog"), TEMPLATE, withPort(REDIS_PORT), program);
    const password = randomBytes(16).toString("hex");
    ok(
      `pulumi config set --secret own-program:redisPassword ${password} --stack ${stack.name} --cwd ${program}`,
      stack.env,
    );
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.ok(hostFiles(stack.name).includes(hostPaths(stack.name).sysctl), "the kit's VpsHost prepared the host");

    const outputs = JSON.parse(stack.pulumi("stack output --json").stdout) as {
      network: string;
      redisContainer: string;
      workerContainers: string[];
      workerLimits: { pool: string; limitBytes: number }[];
    };
    assert.equal(outputs.network, `own-program-${stack.name}`);
    assert.equal(outputs.workerContainers.length, 1);
    for (const container of [outputs.redisContainer, ...outputs.workerContainers]) {
      const networks = inspect<{ NetworkSettings: { Networks: Record<string, unknown> } }>(container).NetworkSettings;
      assert.deepEqual(Object.keys(networks.Networks), [outputs.network], container);
    }
    const worker = inspect<{ HostConfig: { Memory: number } }>(outputs.workerContainers[0]);
    assert.equal(worker.HostConfig.Memory, outputs.workerLimits[0].limitBytes);
    // Redis' config came from the package's templates/: the planned maxmemory is in force.
    assert.match(docker(`exec ${outputs.redisContainer} sh -c 'ls /usr/local/etc/redis'`), /redis\.conf/);

    const task = sh(
      `docker exec ${outputs.workerContainers[0]} python3 -c "from demo import add; print(add.delay(2, 3).get(timeout=120))"`,
    );
    assert.equal(task.code, 0, task.stderr);
    assert.equal(task.stdout.trim(), "5");
  });

  it("pulumi preview --policy-pack passes with the packed pack, which reads the kit's resources", () => {
    assert.ok(stack, "needs the deployed stack");
    const preview = stack.pulumi("preview --policy-pack policy");
    const text = preview.stdout + preview.stderr;
    assert.equal(preview.code, 0, text);
    assert.match(text, /queuekit-memory-safety@v0\.2\.0/);
    assert.doesNotMatch(text, /mandatory/i);
    // The pack's shell parser ran from the tarball: a command it could not read would be reported.
    assert.doesNotMatch(text, /shell parser/);
  });

  it("destroy removes everything, the stack's host files included", () => {
    assert.ok(stack, "needs the deployed stack");
    const name = stack.name;
    stack.dispose();
    stack = undefined;
    assert.deepEqual(leftovers(name), []);
    assert.equal(docker(`network ls --filter name=own-program-${name} --format '{{.Name}}'`), "");
    assert.deepEqual(hostFiles(name), []);
  });
});
