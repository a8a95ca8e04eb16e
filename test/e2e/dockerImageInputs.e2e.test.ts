// Every input of docker.RemoteImage and docker.RegistryImage (issue 11) through the real Pulumi CLI and the bridged
// docker plugin, on a throw-away engine (Docker 20.10) and two private test registries (plain HTTP; HTTPS with a
// self-signed certificate), for both of upstream's builds: the legacy one (useLegacyBuilder) and the buildx one (the
// default), which the plugin points at the provider's engine (the programs' DOCKER_HOST names no engine). Each input
// is applied — read back in `docker image inspect`, in files the build's RUN steps wrote, in the registries'
// manifests — or refused with an error naming it: at Check by our mapping (inputs a build drops), at create by our
// mapping (inputs this engine's BuildKit ignores), or by the engine or buildx. A second `up` and a `refresh` change
// nothing; in-place and ForceNew changes are shown. The SDK's .d.ts is read so an input without a check here fails
// the test. Ports 29310 (registry), 29311 (TLS registry), 29312 (HTTP build context).
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadImage, startTestEngine, type TestEngine } from "./dockerEngine";
import { repo, testStackName } from "./harness";
import { sdkInputs } from "./sdkInputs";
import {
  applied,
  BASE,
  type Builder,
  DROPPED_BY_BUILDX,
  DROPPED_BY_LEGACY,
  type Dirs,
  img,
  type Registries,
  refusedAtCheck,
  refusedByEngine,
  type Version,
} from "./imageInputsSpec";
import { startRegistry } from "./registry";
import { imageConfig, manifestDigest, type Pushed, pushImage, pushList } from "./registryApi";
import { type Json, type Spec, SpecProgram } from "./specProgram";

const HTTP_PORT = 29312;
const stack = testStackName("imgin");

/** The lines pulumi prints under `<type> (<name>):` in its Diagnostics (one resource's errors). */
function diagnostics(stdout: string, name: string): string {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^\\s+docker:index:\\w+ \\(${name}\\):$`).test(l));
  assert.ok(start >= 0, `no diagnostics for ${name}:\n${stdout}`);
  const indent = lines[start]!.search(/\S/);
  const end = lines.findIndex((l, i) => i > start && l.trim() !== "" && l.search(/\S/) <= indent);
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** Keys of the `args` (and of args.build) of every resource of `kind` in the specs. */
function keysSet(specs: Spec[], kind: string, build = false): string[] {
  const keys = new Set<string>();
  for (const s of specs)
    for (const r of s.resources)
      if (r.kind === kind)
        Object.keys((build ? (r.args.build as Json | undefined) : r.args) ?? {}).forEach((k) => keys.add(k));
  return [...keys].sort();
}

describe("every RemoteImage and RegistryImage input: applied or refused by name", { timeout: 1_800_000 }, () => {
  let engine: TestEngine;
  let regs: Registries;
  let program: SpecProgram;
  let scratch: string;
  let dirs: Dirs;
  let server: ChildProcess;
  let serverLog: string;
  let ver: Version;
  let dockerConfig: NodeJS.ProcessEnv;
  let images: { amd64: Pushed; arm64: Pushed; trigOne: Pushed; trigTwo?: Pushed };
  const remoteContext = `http://127.0.0.1:${HTTP_PORT}/ctx.tar`;
  const spec = (v: Version = ver) => applied(engine.host, regs, dirs, v, remoteContext);
  const up = (args: string, v: Version = ver) => program.must(args, spec(v));
  const must = (r: { code: number; stdout: string; stderr: string }, what = "docker") => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  const inspect = (ref: string) =>
    (JSON.parse(must(engine.docker(["image", "inspect", ref]))) as (Json & { Id: string; Config: Json })[])[0]!;
  const labels = (ref: string) => inspect(ref).Config.Labels as Record<string, string>;
  /** A file of the image (a RUN step wrote it), read by a throw-away container. */
  const file = (ref: string, p: string) =>
    must(engine.docker(["run", "--rm", "--network", "none", "--entrypoint", "cat", ref, p]), `cat ${p}`).trim();
  const exists = (ref: string) => engine.docker(["image", "inspect", ref]).code === 0;
  /** The image's config JSON as `docker save` holds it (inline cache metadata is not in `docker image inspect`). */
  const configJson = (ref: string) => {
    const r = spawnSync("sh", ["-c", `docker -H "$0" save "$1" | tar -xO --wildcards '*.json'`, engine.host, ref], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  /** Dockerfile.stages' first RUN step: the extra host, no network but the loopback, both secrets; an amd64 image. */
  const runStepSaw = (ref: string) => {
    assert.match(file(ref, "/qk-hosts"), /10\.7\.7\.7\s+qk-extra\.test/);
    assert.deepEqual(
      file(ref, "/qk-netdev")
        .split("\n")
        .slice(2)
        .map((l) => l.trim().split(":")[0]),
      ["lo"],
      "networkMode none: only the loopback",
    );
    assert.equal(file(ref, "/qk-secrets"), "file-secret\nenv-secret");
    assert.equal(inspect(ref).Architecture, "amd64");
  };

  before(async () => {
    regs = { plain: await startRegistry(29310) } as Registries; // assigned first: after() stops what started
    regs = { ...regs, tls: await startRegistry(29311, true) };
    engine = await startTestEngine("{}");
    loadImage(engine, BASE);
    scratch = mkdtempSync(path.join(tmpdir(), "qk-imginputs-"));
    dirs = {
      context: path.join(scratch, "context"),
      secretFile: path.join(scratch, "secret.txt"),
      buildLog: path.join(scratch, "buildx.log"),
    };
    mkdirSync(dirs.context);
    const ctx = (name: string, text: string) => writeFileSync(path.join(dirs.context, name), text);
    ctx("Dockerfile", `FROM ${BASE}\nARG QK_ARG\nLABEL queuekit.arg=$QK_ARG\n`);
    ctx(
      "Dockerfile.stages",
      [
        `FROM ${BASE} AS one`,
        "USER root",
        "ARG QK_ARG",
        "RUN cat /etc/hosts > /qk-hosts; cat /proc/net/dev > /qk-netdev",
        "RUN --mount=type=secret,id=qkfile --mount=type=secret,id=qkenv" +
          " cat /run/secrets/qkfile /run/secrets/qkenv > /qk-secrets",
        "LABEL queuekit.stage=one queuekit.arg=$QK_ARG",
        `FROM ${BASE} AS two`,
        "LABEL queuekit.stage=two",
        "",
      ].join("\n"),
    );
    ctx("Dockerfile.uuid", `FROM ${BASE}\nUSER root\nRUN cat /proc/sys/kernel/random/uuid > /qk-id\n`);
    ctx(
      "Dockerfile.scratch",
      "FROM scratch\nARG TARGETPLATFORM\nCOPY hello.txt /\nLABEL queuekit.platform=$TARGETPLATFORM\n",
    );
    ctx("hello.txt", "hello\n");
    writeFileSync(dirs.secretFile, "file-secret\n");
    // The remote context: a tar served over HTTP by a throw-away python3 http.server (its log: the engine's GET).
    const remote = path.join(scratch, "remote");
    const served = path.join(scratch, "served");
    mkdirSync(remote);
    mkdirSync(served);
    writeFileSync(
      path.join(remote, "Dockerfile"),
      `FROM ${BASE}\nCOPY remote.txt /qk-remote\nLABEL queuekit.remote=yes\n`,
    );
    writeFileSync(path.join(remote, "remote.txt"), "from the remote context\n");
    const tar = spawnSync("tar", ["-C", remote, "-cf", path.join(served, "ctx.tar"), "Dockerfile", "remote.txt"]);
    assert.equal(tar.status, 0, String(tar.stderr));
    serverLog = path.join(scratch, "http.log");
    const log = openSync(serverLog, "a");
    server = spawn("python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", served, String(HTTP_PORT)], {
      stdio: ["ignore", log, log],
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${HTTP_PORT}/ctx.tar`, { method: "HEAD" }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      assert.ok(i < 50, `http.server on ${HTTP_PORT} did not answer: ${readFileSync(serverLog, "utf8")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Images in the plain registry, made by hand (no build): a two-platform list, the pull-trigger image.
    const amd64 = await pushImage(regs.plain, "e2e/multi", "amd64", "amd64", "amd64");
    const arm64 = await pushImage(regs.plain, "e2e/multi", "arm64", "arm64", "arm64");
    await pushList(regs.plain, "e2e/multi", "1", amd64, arm64);
    await pushList(regs.plain, "e2e/multi", "2", amd64, arm64);
    const trigOne = await pushImage(regs.plain, "e2e/trig", "1", "amd64", "trig-one");
    images = { amd64, arm64, trigOne };
    ver = { v: 1, arg: "one", trigDigest: trigOne.digest, trigger: "a" };
    // DOCKER_CONFIG: upstream's buildx path keeps state under it (~/.docker/buildx otherwise). DOCKER_HOST names
    // no engine: a buildx build that followed it (upstream's own behaviour) would fail instead of using the provider's.
    dockerConfig = {
      DOCKER_CONFIG: path.join(scratch, "docker-config"),
      DOCKER_HOST: `unix://${path.join(scratch, "no-engine.sock")}`,
    };
    program = new SpecProgram(stack, { ...dockerConfig, QK_BUILD_SECRET: "env-secret" });
  });

  after(async () => {
    try {
      if (program) {
        const destroyed = program.dispose();
        assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
      }
    } finally {
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        await exited;
      }
      if (engine) await engine.stop();
      if (regs?.plain) await regs.plain.stop();
      if (regs?.tls) await regs.tls.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("the programs set every input the SDK declares for RemoteImage, RegistryImage and their nested types", () => {
    const v: Version = { v: 1, arg: "x", trigDigest: "sha256:x", trigger: "x" };
    const fake = (tls: boolean) => ({
      address: "a",
      user: "u",
      password: "p",
      tls,
      dir: "",
      log: () => "",
      stop: async () => {},
    });
    const r: Registries = { plain: fake(false), tls: fake(true) };
    const d: Dirs = { context: "/c", secretFile: "/s", buildLog: "/l" };
    const specs = [applied("h", r, d, v, "u"), refusedByEngine("h", r, d)];
    const checkSpecs = (["legacy", "buildx"] as const).flatMap((b) => [
      refusedAtCheck("h", r, d, "RemoteImage", b),
      refusedAtCheck("h", r, d, "RegistryImage", b),
    ]);
    assert.deepEqual(keysSet(specs, "RemoteImage"), sdkInputs("remoteImage", "RemoteImageArgs"));
    assert.deepEqual(keysSet(specs, "RegistryImage"), sdkInputs("registryImage", "RegistryImageArgs"));
    const build = keysSet([...specs, ...checkSpecs], "RemoteImage", true);
    assert.deepEqual(build, sdkInputs("types/input", "RemoteImageBuild"));
    // RegistryImage's build is upstream's same schema (buildSchema) and build function (buildImage).
    assert.deepEqual(sdkInputs("types/input", "RegistryImageBuild"), build);
    assert.deepEqual(sdkInputs("types/input", "RemoteImageBuildSecret"), ["env", "id", "src"]);
    assert.deepEqual(sdkInputs("types/input", "RemoteImageBuildUlimit"), ["hard", "name", "soft"]);
    assert.deepEqual(sdkInputs("types/input", "RegistryImageAuthConfig"), ["address", "password", "username"]);
    assert.deepEqual(sdkInputs("types/input", "RemoteImageBuildAuthConfig"), [
      "auth",
      "email",
      "hostName",
      "identityToken",
      "password",
      "registryToken",
      "serverAddress",
      "userName",
    ]);
    // The refused sets are exactly the plugin's (toolchain/bridge-docker/mapping: refusedLegacy, refusedBuildx).
    const table = (file: string, name: string) => {
      const go = readFileSync(path.join(repo, "toolchain/bridge-docker/mapping", file), "utf8");
      const body = go.slice(go.indexOf(`var ${name}`), go.indexOf("\n}\n", go.indexOf(`var ${name}`)));
      return [...body.matchAll(/^\t"(\w+)":/gm)].map((m) => m[1]!).sort();
    };
    assert.deepEqual(table("legacybuild.go", "refusedLegacy"), Object.keys(DROPPED_BY_LEGACY).sort());
    assert.deepEqual(table("buildx.go", "refusedBuildx"), Object.keys(DROPPED_BY_BUILDX).sort());
  });

  it("the build inputs each build drops are refused at Check, each by name, and nothing is built", () => {
    const check = new SpecProgram(`${stack}-check`, dockerConfig);
    const dropped: Record<Builder, { inputs: object; says: string }> = {
      legacy: { inputs: DROPPED_BY_LEGACY, says: "with build\\.useLegacyBuilder" },
      buildx: { inputs: DROPPED_BY_BUILDX, says: "by the buildx build \\(build\\.useLegacyBuilder unset\\)" },
    };
    try {
      for (const builder of ["legacy", "buildx"] as const)
        for (const kind of ["RemoteImage", "RegistryImage"] as const) {
          const r = check.pulumi("preview", refusedAtCheck(engine.host, regs, dirs, kind, builder));
          assert.notEqual(r.code, 0, r.stdout);
          for (const key of Object.keys(dropped[builder].inputs))
            assert.match(
              r.stdout,
              new RegExp(`${kind}\\.build\\.${key} = .* is not applied ${dropped[builder].says}`),
              `${builder} ${key}`,
            );
          if (builder === "legacy") {
            assert.match(r.stdout, /build\.label = \{queuekit\.label\} .*set build\.labels instead/);
            assert.match(r.stdout, /build\.memory = 67108864 .*ignores build resource limits/);
          } else {
            assert.match(r.stdout, /build\.labels = \{queuekit\.labels\} .*set build\.label instead/);
            assert.match(r.stdout, /build\.memory = 67108864 .*build arg named memory, not as a limit/);
            assert.match(r.stdout, /build\.isolation = "hyperv" .*overwrites it with build\.networkMode/);
          }
          assert.ok(!r.stdout.includes("not-sent"), "an authConfigs password is never printed");
        }
      assert.equal(exists(img("dropped")), false);
    } finally {
      check.dispose();
    }
  });

  it("inputs the engine (or upstream's build) refuses fail their create, each error naming the cause; cacheFroms is asked of the registry", async () => {
    const refused = new SpecProgram(`${stack}-refused`, dockerConfig);
    try {
      // The refusals below are Docker 20.10's (API 1.41); a newer engine applies shmSize, ulimits, cgroupParent.
      assert.equal(must(engine.docker(["version", "--format", "{{.Server.APIVersion}}"])).trim(), "1.41");
      const r = refused.pulumi("up --yes --skip-preview --continue-on-error", refusedByEngine(engine.host, regs, dirs));
      assert.notEqual(r.code, 0, r.stdout);
      const d = (name: string) => diagnostics(r.stdout, name);
      assert.match(d("squash"), /squash is only supported with experimental mode/);
      assert.match(d("securityOpts"), /does not support setting security options on build/);
      assert.match(d("isolation"), /[Uu]nsupported isolation: "process"/);
      assert.match(d("networkMode"), /network mode "bridge" not supported by buildkit/);
      // pullParent: the engine asks the registry for the FROM image it has (Docker Hub, out of reach here).
      assert.match(d("pullParent"), /Head "https:\/\/registry-1\.docker\.io\/v2\/queuekit\/redis\/manifests\/7-local"/);
      // shmSize, ulimits (both builds) and a buildx build's cgroupParent: refused by the plugin before the build.
      const ignored = "is not applied by this engine \\(Docker 20\\.10[^,]*, API 1\\.41\\)";
      for (const [name, inputs] of [
        ["limits", ["shmSize = 100663296", "ulimits = \\[nofile=1111:2222\\]"]],
        ["bxLimits", ["shmSize = 100663296", "ulimits = \\[nofile=1111:2222\\]", 'cgroupParent = "qk-imgin"']],
      ] as const)
        for (const input of inputs)
          assert.match(d(name), new RegExp(`RemoteImage\\.build\\.${input} ${ignored}`), input);
      assert.match(d("bxContexts"), /unsupported frontend capability moby\.buildkit\.frontend\.contexts/);
      assert.match(d("bxProvenance"), /Attestation is not supported for the docker driver/);
      assert.match(d("bxSbom"), /Attestation is not supported for the docker driver/);
      assert.match(d("bxCacheTo"), /Cache export is not supported for the docker driver/);
      assert.match(d("bxBuilder"), /no builder "qk-none" found/);
      assert.match(d("bxNetwork"), /network mode "bridge" not supported by buildkit/);
      assert.match(
        d("insecureSkipVerify"),
        /Head "https:\/\/127\.0\.0\.1:29311\/v2\/e2e\/verified\/manifests\/1": tls: failed to verify certificate: x509/,
      );
      assert.equal(exists(img("r-cachefroms")), true, "cacheFroms: built");
      assert.match(
        regs.plain.log(),
        /uri="?\/v2\/e2e\/cache\/manifests\/1/,
        "cacheFroms: the engine asked the registry",
      );
      // Nothing those resources named is in the engine.
      const refusedNames = [
        "squash",
        "securityOpts",
        "isolation",
        "networkMode",
        "pullParent",
        "limits",
        "bxLimits",
        "bxContexts",
        "bxProvenance",
        "bxSbom",
        "bxCacheTo",
        "bxBuilder",
        "bxNetwork",
      ];
      for (const name of refusedNames) assert.equal(exists(img(`r-${name.toLowerCase()}`)), false, name);
      // insecureSkipVerify false: upstream pushed first; only its own digest request verified the certificate.
      assert.match(String(await manifestDigest(regs.tls, "e2e/verified", "1")), /^sha256:/);
    } finally {
      const destroyed = refused.dispose();
      assert.equal(destroyed.code, 0, destroyed.stdout);
    }
  });

  it("up applies every other input: docker image inspect, the build's own files and the registries read each back", async () => {
    const out = up("up --yes --skip-preview");
    assert.match(out.stdout, /\+ 21 created/); // 19, the stack and the provider
    const state = program.state();

    // staged: target, buildArgs, labels, tags, extraHosts, networkMode, secrets (file, env).
    const staged = labels(img("staged"));
    assert.equal(staged["queuekit.stage"], "one", "target: the first stage, not the last");
    assert.equal(staged["queuekit.arg"], "one");
    assert.equal(staged["queuekit.labels"], "yes");
    assert.equal(inspect("qk-imgin/staged:extra").Id, inspect(img("staged")).Id);
    assert.equal(state.staged!.outputs.imageId, inspect(img("staged")).Id);
    runStepSaw(img("staged"));
    // remove, forceRemove: no build container is left in the engine (BuildKit keeps none anyway).
    assert.equal(must(engine.docker(["ps", "-aq"])).trim(), "");

    // noCache: the cached builds (legacy, buildx) reuse uuid-a's RUN layer, the noCache ones ran it again.
    const id = (what: string) => file(img(what), "/qk-id");
    assert.equal(id("uuid-cached"), id("uuid-a"));
    assert.equal(id("bx-cached"), id("uuid-a"));
    assert.notEqual(id("uuid-nocache"), id("uuid-a"));
    assert.notEqual(id("bx-nocache"), id("uuid-a"));
    assert.notEqual(id("bx-nocache"), id("uuid-nocache"));

    // The buildx build, on the provider's engine: staged's checks, and label, tags, builder, buildLogFile, cacheTos.
    const bx = labels(img("bx"));
    assert.equal(bx["queuekit.stage"], "one", "target");
    assert.equal(bx["queuekit.arg"], "bx");
    assert.equal(bx["queuekit.label"], "singular", "label (the buildx build's spelling)");
    assert.equal(inspect("qk-imgin/bx:extra").Id, inspect(img("bx")).Id);
    assert.equal(state.bx!.outputs.imageId, inspect(img("bx")).Id);
    runStepSaw(img("bx"));
    const log = readFileSync(dirs.buildLog, "utf8");
    assert.match(log, /building with "default" instance using docker driver/, "builder: default");
    assert.match(log, /naming to docker\.io\/qk-imgin\/bx:1/);
    assert.ok(configJson(img("bx")).includes("moby.buildkit.cache.v0"), "cacheTos inline: the cache is in the image");
    assert.ok(!configJson(img("staged")).includes("moby.buildkit.cache.v0"));
    assert.match(regs.plain.log(), /uri="?\/v2\/e2e\/bxcache\/manifests\/1/, "cacheFroms: asked of the registry");
    assert.equal(inspect(img("bx-arm")).Architecture, "arm64");
    assert.equal(labels(img("bx-arm"))["queuekit.platform"], "linux/arm64");
    const bxConfig = (await imageConfig(regs.plain, "e2e/bx", "1")).config as { Labels: Record<string, string> };
    assert.equal(bxConfig.Labels["queuekit.bx"], "yes");
    assert.equal(bxConfig.Labels["queuekit.arg"], "bx");

    // build.platform: an arm64 image, TARGETPLATFORM linux/arm64.
    assert.equal(inspect(img("arm")).Architecture, "arm64");
    assert.equal(labels(img("arm"))["queuekit.platform"], "linux/arm64");

    // remoteContext: the Dockerfile and file came from the HTTP tar, which the engine fetched.
    assert.equal(labels(img("remote"))["queuekit.remote"], "yes");
    assert.equal(file(img("remote"), "/qk-remote"), "from the remote context");
    assert.match(readFileSync(serverLog, "utf8"), /"GET \/ctx\.tar HTTP\/1\.1" 200/);

    // platform: one manifest list, each pull its platform's image.
    const plain = regs.plain.address;
    assert.equal(inspect(`${plain}/e2e/multi:1`).Id, images.arm64.configDigest);
    assert.equal(inspect(`${plain}/e2e/multi:1`).Architecture, "arm64");
    assert.equal(inspect(`${plain}/e2e/multi:2`).Id, images.amd64.configDigest);

    // pullTriggers: pulled (the registry's image), recorded.
    assert.equal(inspect(`${plain}/e2e/trig:1`).Id, images.trigOne.configDigest);
    assert.deepEqual(state.trig!.inputs.pullTriggers, [images.trigOne.digest]);

    // RegistryImage: built with its args and labels, pushed to the HTTPS registry with its authConfig.
    const pushed = await manifestDigest(regs.tls, "e2e/built", "1");
    assert.match(String(pushed), /^sha256:/);
    assert.equal(state.regpush!.outputs.sha256Digest, pushed);
    const config = (await imageConfig(regs.tls, "e2e/built", "1")).config as { Labels: Record<string, string> };
    assert.equal(config.Labels["queuekit.arg"], "registry");
    assert.equal(config.Labels["queuekit.registry"], "yes");
    assert.equal(state.regkept!.outputs.sha256Digest, await manifestDigest(regs.plain, "e2e/kept", "1"));
    assert.ok(!program.rawState().includes(regs.tls.password), "the TLS registry's password must stay encrypted");
  });

  it("a second up and a refresh change nothing", () => {
    up("up --yes --skip-preview --expect-no-changes");
    program.must("refresh --yes --skip-preview --expect-no-changes");
  });

  it("v2: forceRemove, keepLocally, keepRemotely change in place; a build arg, pullTriggers and triggers replace", async () => {
    images.trigTwo = await pushImage(regs.plain, "e2e/trig", "1", "amd64", "trig-two");
    const before = program.state();
    const puts = () =>
      regs.plain
        .log()
        .split("\n")
        .filter((l) => /PUT \/v2\/e2e\/kept\/manifests\/1/.test(l)).length;
    const putsBefore = puts();
    ver = { v: 2, arg: "two", trigDigest: images.trigTwo.digest, trigger: "b" };
    const out = up("up --yes --skip-preview");
    assert.match(out.stdout, /~ 2 updated/);
    assert.match(out.stdout, /\+-\s*3 replaced/);
    const state = program.state();
    for (const name of ["forced", "kept", "unforced"])
      assert.equal(state[name]!.outputs.id, before[name]!.outputs.id, `${name} keeps its ID`);
    assert.equal(state.forced!.outputs.forceRemove, true);
    assert.equal(state.kept!.outputs.keepLocally, true);
    assert.equal(labels(img("staged"))["queuekit.arg"], "two");
    assert.equal(inspect(`${regs.plain.address}/e2e/trig:1`).Id, images.trigTwo.configDigest, "the new digest pulled");
    assert.ok(puts() > putsBefore, "regkept pushed again");
    assert.equal(state.regkept!.outputs.sha256Digest, await manifestDigest(regs.plain, "e2e/kept", "1"));
    up("up --yes --skip-preview --expect-no-changes");
    program.must("refresh --yes --skip-preview --expect-no-changes");
  });

  it("destroy: forceRemove untags an image a container uses, without it the engine refuses; keepLocally and keepRemotely keep theirs", async () => {
    must(engine.docker(["create", "--name", "qk-imgin-forced", img("forced")]));
    must(engine.docker(["create", "--name", "qk-imgin-unforced", img("unforced")]));
    const first = program.pulumi("destroy --yes --skip-preview --continue-on-error");
    assert.notEqual(first.code, 0, first.stdout);
    assert.match(
      diagnostics(first.stdout, "unforced"),
      /conflict: unable to remove repository reference[\s\S]*must force/,
    );
    assert.equal(exists(img("forced")), false, "forceRemove: untagged though a container uses it");
    assert.equal(exists(img("unforced")), true);
    assert.equal(exists(img("kept")), true, "keepLocally");
    assert.equal(exists(img("staged")), false);
    assert.equal(exists(`${regs.plain.address}/e2e/multi:1`), false);
    assert.equal(await manifestDigest(regs.tls, "e2e/built", "1"), 404, "keepRemotely false: deleted");
    assert.match(String(await manifestDigest(regs.plain, "e2e/kept", "1")), /^sha256:/, "keepRemotely: kept");
    must(engine.docker(["rm", "qk-imgin-forced", "qk-imgin-unforced"]));
    program.must("destroy --yes --skip-preview");
    assert.equal(exists(img("unforced")), false);
    must(engine.docker(["rmi", img("kept")]));
  });
});
