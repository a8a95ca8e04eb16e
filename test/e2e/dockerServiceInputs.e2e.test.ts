// Every input of docker.Service (and RemoteImage's build + triggers) through the real Pulumi CLI and the bridged
// docker plugin (issue 11), on a throw-away single-node swarm and the private test registry: each input is set by
// `pulumi up` and read back in `docker service inspect` / `docker image inspect` (or the running task), a second
// `up` and a `refresh` change nothing, an in-place change updates the same service, and each input upstream's schema
// marks ForceNew (auth, name, mode, networksAdvanceds, hosts, sysctl; RemoteImage build/triggers) replaces it.
// The SDK's .d.ts is read so an input without a check here fails the test. Ports 29101-29103 (published),
// 29110 (registry), 29190 (swarm control plane), 29191/udp (data path).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadImage, type TestEngine } from "./dockerEngine";
import { sdkInputs } from "./sdkInputs";
import { type Registry, startRegistry } from "./registry";
import { LOCAL, spec, type Version } from "./serviceInputsSpec";
import { type Json, SpecProgram } from "./specProgram";
import { startSwarmEngine } from "./swarm";

const MiB = 2 ** 20;
const SECOND = 1e9; // Swarm durations are in nanoseconds
/** Mounts in target order (the state keeps them as a set, in its own order). */
const byTarget = (mounts: Json[]) => [...mounts].sort((a, b) => String(a.Target).localeCompare(String(b.Target)));
const BASE = "queuekit/celery:5-local"; // RemoteImage's build is FROM it: the engine has no registry to pull from
const stack = `svcin-${process.pid}`;
const prefix = `qk-${stack}`;

type Service = {
  ID: string;
  Version: { Index: number };
  Spec: Json & {
    Name: string;
    Labels: Record<string, string>;
    Mode: Json;
    UpdateConfig: Json;
    RollbackConfig: Json;
    EndpointSpec: { Mode: string; Ports: Json[] };
    TaskTemplate: Json & {
      ContainerSpec: Json & { Env: string[]; Mounts: Json[]; Configs: Json[]; Secrets: Json[] };
      Resources: Json;
      RestartPolicy: Json;
      Placement: Json;
      LogDriver: Json;
      Networks: Json[];
      ForceUpdate: number;
      Runtime: string;
    };
  };
};

/** The inputs the test checks, per SDK interface: each must be every input the SDK declares. */
const CHECKED: Record<string, [file: string, names: string[]]> = {
  ServiceArgs: [
    "service",
    ["auth", "convergeConfig", "endpointSpec", "labels", "mode", "name", "rollbackConfig", "taskSpec", "updateConfig"],
  ],
  ServiceTaskSpec: [
    "types/input",
    [
      "containerSpec",
      "forceUpdate",
      "logDriver",
      "networksAdvanceds",
      "placement",
      "resources",
      "restartPolicy",
      "runtime",
    ],
  ],
  ServiceTaskSpecContainerSpec: [
    "types/input",
    [
      "args",
      "capAdds",
      "capDrops",
      "commands",
      "configs",
      "dir",
      "dnsConfig",
      "env",
      "groups",
      "healthcheck",
      "hostname",
      "hosts",
      "image",
      "init",
      "isolation",
      "labels",
      "mounts",
      "privileges",
      "readOnly",
      "secrets",
      "stopGracePeriod",
      "stopSignal",
      "sysctl",
      "user",
    ],
  ],
  ServiceUpdateConfig: [
    "types/input",
    ["delay", "failureAction", "maxFailureRatio", "monitor", "order", "parallelism"],
  ],
  ServiceRollbackConfig: [
    "types/input",
    ["delay", "failureAction", "maxFailureRatio", "monitor", "order", "parallelism"],
  ],
  ServiceEndpointSpecPort: ["types/input", ["name", "protocol", "publishMode", "publishedPort", "targetPort"]],
  ServiceTaskSpecContainerSpecMount: [
    "types/input",
    ["bindOptions", "readOnly", "source", "target", "tmpfsOptions", "type", "volumeOptions"],
  ],
  ServiceTaskSpecPlacement: ["types/input", ["constraints", "maxReplicas", "platforms", "prefs"]],
  ServiceTaskSpecNetworksAdvanced: ["types/input", ["aliases", "driverOpts", "id", "name"]],
};

describe(
  "every docker.Service input, and RemoteImage build + triggers, on a throw-away swarm",
  { timeout: 2_400_000 },
  () => {
    let engine: TestEngine;
    let registry: Registry;
    let program: SpecProgram;
    let scratch: string;
    let dirs: { bind: string; context: string };
    const remote = () => `${registry.address}/e2e/redis:7`;
    let ver: Version;
    // The image by digest: given a tag, the engine pins the digest it resolved and the next `up` shows a change.
    let pinned: string;
    const up = (args: string, v: Version = ver) => program.must(args, spec(engine, registry, dirs, v, prefix));
    const must = (r: { code: number; stdout: string; stderr: string }) => {
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const inspect = (name: string): Service =>
      (JSON.parse(must(engine.docker(["service", "inspect", name]))) as Service[])[0]!;
    const imageInspect = (ref: string) =>
      (JSON.parse(must(engine.docker(["image", "inspect", ref]))) as (Json & { Id: string; Config: Json })[])[0]!;

    /** A running task container of `service` whose env has `env` (the rollout reached it). */
    async function task(service: string, env: string): Promise<string> {
      for (let i = 0; i < 120; i++) {
        const ids = engine
          .docker([
            "ps",
            "-q",
            "--filter",
            `label=com.docker.swarm.service.name=${service}`,
            "--filter",
            "status=running",
          ])
          .stdout.split("\n")
          .filter(Boolean);
        for (const id of ids)
          if (engine.docker(["inspect", "-f", "{{json .Config.Env}}", id]).stdout.includes(env)) return id;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.fail(`no running task of ${service}:\n${engine.docker(["service", "ps", "--no-trunc", service]).stdout}`);
    }

    before(async () => {
      registry = await startRegistry(29110);
      engine = await startSwarmEngine({ listen: 29190, dataPath: 29191 });
      loadImage(engine, LOCAL);
      loadImage(engine, BASE);
      scratch = mkdtempSync(path.join(tmpdir(), "qk-svcinputs-"));
      dirs = { bind: path.join(scratch, "bind"), context: path.join(scratch, "context") };
      mkdirSync(dirs.bind);
      writeFileSync(path.join(dirs.bind, "hello.txt"), "bound\n");
      mkdirSync(dirs.context);
      writeFileSync(
        path.join(dirs.context, "Dockerfile"),
        `FROM ${BASE}\nARG QK_ARG\nLABEL queuekit.arg=$QK_ARG\nRUN echo "$QK_ARG" > /tmp/qk-arg\n`,
      );
      // The service's image exists only in the registry (pushed, then untagged): its tasks pull it with `auth`.
      const config = mkdtempSync(path.join(tmpdir(), "qk-svcinputs-client-"));
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
        cli(["tag", LOCAL, remote()]);
        cli(["push", remote()]);
        pinned = must(engine.docker(["image", "inspect", "-f", "{{index .RepoDigests 0}}", remote()])).trim();
        cli(["rmi", remote()]);
      } finally {
        rmSync(config, { recursive: true, force: true });
      }
      ver = {
        v: 1,
        image: pinned,
        serverAddress: registry.address,
        svcName: `${prefix}-full`,
        aliases: ["qk-one"],
        hosts: [{ host: "qk-one.test", ip: "10.8.8.1" }],
        sysctl: { "net.ipv4.tcp_keepalive_time": "600" },
        globalMode: true,
        containerLabel: "one",
        trigger: "a",
        buildArg: "one",
      };
      program = new SpecProgram(stack);
    });

    after(async () => {
      try {
        if (program) {
          const destroyed = program.dispose();
          assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        }
      } finally {
        if (engine) await engine.stop();
        if (registry) await registry.stop();
        if (scratch) rmSync(scratch, { recursive: true, force: true });
      }
    });

    it("the checks below cover every input the SDK declares for Service and its nested types", () => {
      for (const [iface, [file, names]] of Object.entries(CHECKED))
        assert.deepEqual(sdkInputs(file, iface), [...names].sort(), `${iface}: an SDK input without a check here`);
    });

    it("up sets every input; docker service inspect and the running task read each back", async () => {
      const logBefore = registry.log().length;
      const out = up("up --yes --skip-preview");
      assert.match(out.stdout, /\+ 9 created/); // with the stack and the provider
      const s = inspect(ver.svcName);
      const t = s.Spec.TaskTemplate;
      const c = t.ContainerSpec;
      assert.equal(s.Spec.Name, ver.svcName);
      assert.deepEqual(s.Spec.Labels, { "queuekit.inputs": "v1" });
      assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 1 } });
      assert.deepEqual(s.Spec.UpdateConfig, {
        Parallelism: 1,
        Delay: SECOND,
        FailureAction: "pause",
        Monitor: 2 * SECOND,
        MaxFailureRatio: 0.1,
        Order: "stop-first",
      });
      assert.deepEqual(s.Spec.RollbackConfig, {
        Parallelism: 1,
        Delay: SECOND,
        FailureAction: "pause",
        Monitor: 5 * SECOND,
        MaxFailureRatio: 0.3,
        Order: "stop-first",
      });
      assert.equal(s.Spec.EndpointSpec.Mode, "vip");
      assert.deepEqual(s.Spec.EndpointSpec.Ports, [
        { Name: "redis", Protocol: "tcp", TargetPort: 6379, PublishedPort: 29101, PublishMode: "ingress" },
        { Name: "udp", Protocol: "udp", TargetPort: 5000, PublishedPort: 29101, PublishMode: "ingress" },
      ]);
      assert.equal(t.ForceUpdate, 0);
      assert.equal(t.Runtime, "container");
      assert.deepEqual(t.LogDriver, { Name: "json-file", Options: { "max-size": "1m" } });
      const netId = must(engine.docker(["network", "inspect", "-f", "{{.Id}}", `${prefix}-net`])).trim();
      assert.deepEqual(t.Networks, [
        { Target: netId, Aliases: ["qk-one"], DriverOpts: { "com.docker.network.qk": "1" } },
      ]);
      assert.deepEqual(t.Placement, {
        Constraints: ["node.role==manager"],
        Preferences: [{ Spread: { SpreadDescriptor: "spread=node.role.manager" } }],
        MaxReplicas: 1,
        Platforms: [{ Architecture: "amd64", OS: "linux" }],
      });
      assert.deepEqual(t.Resources, {
        Limits: { MemoryBytes: 64 * MiB, NanoCPUs: 500_000_000 },
        Reservations: { MemoryBytes: 16 * MiB, NanoCPUs: 100_000_000 },
      });
      assert.deepEqual(t.RestartPolicy, {
        Condition: "on-failure",
        Delay: 2 * SECOND,
        MaxAttempts: 3,
        Window: 20 * SECOND,
      });
      assert.equal(c.Image, pinned);
      assert.deepEqual(c.Command, ["redis-server"]);
      assert.deepEqual((c.Args as string[]).slice(-2), ["--maxmemory", "16mb"]);
      assert.deepEqual(c.Env, ["QK_INPUTS=v1"]);
      assert.equal(c.Dir, "/scratch");
      assert.equal(c.User, "101:102");
      assert.deepEqual(c.Groups, ["102"]);
      assert.equal(c.Hostname, "qk-inputs-one");
      assert.deepEqual(c.Hosts, ["10.8.8.1 qk-one.test"]);
      assert.deepEqual(c.DNSConfig, { Nameservers: ["10.9.9.1"], Search: ["one.qk.test"], Options: ["ndots:2"] });
      assert.equal(c.Init, true);
      assert.equal(c.Isolation, "default");
      assert.equal(c.ReadOnly, true);
      assert.deepEqual(c.CapabilityDrop, ["ALL"]);
      assert.deepEqual(c.CapabilityAdd, ["CAP_CHOWN"]);
      assert.deepEqual(c.Labels, { "queuekit.container": "one" });
      assert.equal(c.StopSignal, "SIGTERM");
      assert.equal(c.StopGracePeriod, 20 * SECOND);
      assert.deepEqual(c.Sysctls, { "net.ipv4.tcp_keepalive_time": "600" });
      assert.equal(((c.Privileges as Json).SELinuxContext as Json).Disable, true);
      assert.deepEqual(c.Healthcheck, {
        Test: ["CMD", "redis-cli", "ping"],
        Interval: 2 * SECOND,
        Timeout: 2 * SECOND,
        StartPeriod: SECOND,
        Retries: 3,
      });
      assert.deepEqual(byTarget(c.Mounts), [
        { Type: "bind", Source: dirs.bind, Target: "/bind", ReadOnly: true, BindOptions: { Propagation: "rprivate" } },
        { Type: "tmpfs", Target: "/scratch", TmpfsOptions: { SizeBytes: 8 * MiB, Mode: 0o777 } },
        {
          Type: "volume",
          Source: `${prefix}-vol`,
          Target: "/vol",
          VolumeOptions: {
            NoCopy: true,
            Labels: { "queuekit.volume": "1" },
            DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs", o: "size=4m" } },
          },
        },
      ]);
      assert.deepEqual(c.Configs[0]!.File, { Name: "/etc/qk/conf.txt", UID: "101", GID: "102", Mode: 0o444 });
      assert.equal(c.Configs[0]!.ConfigName, `${prefix}-conf1`);
      assert.deepEqual(c.Secrets[0]!.File, { Name: "/run/secrets/qk", UID: "101", GID: "102", Mode: 0o400 });
      assert.equal(c.Secrets[0]!.SecretName, `${prefix}-secret`);

      // convergeConfig: `up` returned once the task ran, so it runs now, without waiting.
      const running = must(
        engine.docker([
          "service",
          "ps",
          "--filter",
          "desired-state=running",
          "--format",
          "{{.CurrentState}}",
          ver.svcName,
        ]),
      );
      assert.match(running, /^Running/, running);
      // auth: the image's only copy is in the registry, which authorized the engine's pull of its manifest during
      // the up (the engine has no other credentials: the push logged in from a throw-away client config).
      assert.match(
        registry.log().slice(logBefore),
        /authorized request[^\n]*http\.request\.method=GET[^\n]*http\.request\.uri="?\/v2\/e2e\/redis\/manifests\/sha256:/,
      );
      const id = await task(ver.svcName, "QK_INPUTS=v1");
      const exec = (...args: string[]) => must(engine.docker(["exec", id, ...args])).trim();
      assert.equal(exec("redis-cli", "config", "get", "maxmemory"), `maxmemory\n${16 * MiB}`);
      assert.equal(exec("pwd"), "/scratch");
      assert.equal(exec("id", "-u"), "101");
      assert.equal(exec("hostname"), "qk-inputs-one");
      assert.match(exec("cat", "/etc/hosts"), /10\.8\.8\.1\s+qk-one\.test/);
      assert.match(exec("cat", "/etc/resolv.conf"), /search one\.qk\.test[\s\S]*ndots:2/);
      assert.equal(exec("cat", "/bind/hello.txt"), "bound");
      assert.equal(exec("cat", "/etc/qk/conf.txt"), "one");
      assert.equal(exec("cat", "/run/secrets/qk"), "qk-secret");
      assert.equal(exec("sysctl", "-n", "net.ipv4.tcp_keepalive_time"), "600");
      const hc = JSON.parse(must(engine.docker(["inspect", id]))) as { HostConfig: Json; Config: Json }[];
      assert.equal(hc[0]!.HostConfig.ReadonlyRootfs, true);
      assert.equal(hc[0]!.HostConfig.Init, true);
      assert.equal(hc[0]!.HostConfig.Memory, 64 * MiB);
      assert.equal(hc[0]!.Config.StopSignal, "SIGTERM");

      // The global service: one task on the one node, dnsrr, its host-mode port.
      const g = inspect(`${prefix}-glob`);
      assert.deepEqual(g.Spec.Mode, { Global: {} });
      assert.equal(g.Spec.EndpointSpec.Mode, "dnsrr");
      assert.deepEqual(g.Spec.EndpointSpec.Ports, [
        { Protocol: "tcp", TargetPort: 6379, PublishedPort: 29103, PublishMode: "host" },
      ]);
      const gTask = await task(`${prefix}-glob`, "QK_GLOB=v1");
      assert.match(must(engine.docker(["port", gTask])), /6379\/tcp -> 0\.0\.0\.0:29103/);

      // RemoteImage build: built on the engine from the local base, with its args, labels and extra tags.
      const built = imageInspect(`${prefix}/built:1`);
      assert.equal((built.Config.Labels as Json)["queuekit.arg"], "one");
      assert.equal((built.Config.Labels as Json)["queuekit.built"], "yes");
      assert.equal(imageInspect(`${prefix}/built:extra`).Id, built.Id);
      assert.equal(program.state().built!.outputs.imageId, built.Id);
    });

    it("a second up and a refresh change nothing", () => {
      up("up --yes --skip-preview --expect-no-changes");
      program.must("refresh --yes --skip-preview --expect-no-changes");
    });

    it("changed in-place inputs update the same service; the engine reads each back", async () => {
      const before = inspect(ver.svcName);
      ver = { ...ver, v: 2 };
      const out = up("up --yes --skip-preview");
      assert.match(out.stdout, /~ 2 updated/); // full and glob (its env)
      assert.doesNotMatch(out.stdout, /replaced/);
      const s = inspect(ver.svcName);
      assert.equal(s.ID, before.ID, "updated, not replaced");
      assert.ok(s.Version.Index > before.Version.Index);
      const t = s.Spec.TaskTemplate;
      const c = t.ContainerSpec;
      assert.deepEqual(s.Spec.Labels, { "queuekit.inputs": "v2" });
      assert.deepEqual(s.Spec.UpdateConfig, {
        Parallelism: 2,
        Delay: 2 * SECOND,
        FailureAction: "continue",
        Monitor: 3 * SECOND,
        MaxFailureRatio: 0.2,
        Order: "start-first",
      });
      assert.deepEqual(s.Spec.RollbackConfig, {
        Parallelism: 3,
        Delay: 4 * SECOND,
        FailureAction: "continue",
        Monitor: 6 * SECOND,
        MaxFailureRatio: 0.4,
        Order: "start-first",
      });
      assert.equal(s.Spec.EndpointSpec.Ports[0]!.PublishedPort, 29102);
      assert.equal(t.ForceUpdate, 1);
      assert.deepEqual(t.LogDriver, { Name: "json-file", Options: { "max-size": "2m" } });
      assert.deepEqual(t.Placement.Constraints, ["node.role!=worker"]);
      assert.equal(t.Placement.MaxReplicas, 2);
      assert.deepEqual(t.Resources, {
        Limits: { MemoryBytes: 96 * MiB, NanoCPUs: 600_000_000 },
        Reservations: { MemoryBytes: 24 * MiB, NanoCPUs: 200_000_000 },
      });
      assert.deepEqual(t.RestartPolicy, {
        Condition: "on-failure",
        Delay: 3 * SECOND,
        MaxAttempts: 4,
        Window: 20 * SECOND,
      });
      assert.deepEqual((c.Args as string[]).slice(-2), ["--maxmemory", "24mb"]);
      assert.deepEqual(c.Env, ["QK_INPUTS=v2"]);
      assert.equal(c.Dir, "/scratch/two");
      assert.deepEqual(c.Groups, ["103"]);
      assert.equal(c.Hostname, "qk-inputs-two");
      assert.deepEqual(c.DNSConfig, { Nameservers: ["10.9.9.2"], Search: ["two.qk.test"], Options: ["ndots:3"] });
      assert.deepEqual(c.CapabilityAdd, ["CAP_KILL"]);
      assert.equal(c.StopSignal, "SIGINT");
      assert.equal(c.StopGracePeriod, 25 * SECOND);
      assert.deepEqual(c.Healthcheck, {
        Test: ["CMD", "redis-cli", "ping"],
        Interval: 3 * SECOND,
        Timeout: 2 * SECOND,
        StartPeriod: 2 * SECOND,
        Retries: 4,
      });
      const mounts = byTarget(c.Mounts);
      assert.deepEqual(mounts[1]!.TmpfsOptions, { SizeBytes: 16 * MiB, Mode: 0o777 });
      assert.deepEqual(mounts[0]!.BindOptions, { Propagation: "private" });
      assert.equal(c.Configs[0]!.ConfigName, `${prefix}-conf2`);
      assert.equal((c.Configs[0]!.File as Json).Mode, 0o440);
      assert.equal((c.Secrets[0]!.File as Json).Name, "/run/secrets/qk2");
      const id = await task(ver.svcName, "QK_INPUTS=v2");
      const exec = (...args: string[]) => must(engine.docker(["exec", id, ...args])).trim();
      assert.equal(exec("cat", "/etc/qk/conf.txt"), "two");
      assert.equal(exec("pwd"), "/scratch/two");
      assert.equal(exec("hostname"), "qk-inputs-two");
      assert.equal(exec("redis-cli", "config", "get", "maxmemory"), `maxmemory\n${24 * MiB}`);
      up("up --yes --skip-preview --expect-no-changes");
      program.must("refresh --yes --skip-preview --expect-no-changes");
    });

    /** Inputs upstream's schema marks ForceNew: each change alone replaces its resource. */
    const REPLACED: {
      what: string;
      change: (v: Version) => Version;
      resource: string;
      check: () => void;
      /** false: the replacement may keep the ID (a rebuild from the build cache gives the same image ID). */
      newId?: false;
    }[] = [
      {
        what: "auth (the server address)",
        change: (v) => ({ ...v, serverAddress: `http://${v.serverAddress}` }),
        resource: "full",
        check: () => assert.equal(inspect(ver.svcName).Spec.TaskTemplate.ContainerSpec.Env[0], "QK_INPUTS=v2"),
      },
      {
        what: "networksAdvanceds (an alias)",
        change: (v) => ({ ...v, aliases: ["qk-two"] }),
        resource: "full",
        check: () => assert.deepEqual(inspect(ver.svcName).Spec.TaskTemplate.Networks[0]!.Aliases, ["qk-two"]),
      },
      {
        what: "containerSpec.hosts",
        change: (v) => ({ ...v, hosts: [{ host: "qk-two.test", ip: "10.8.8.2" }] }),
        resource: "full",
        check: () =>
          assert.deepEqual(inspect(ver.svcName).Spec.TaskTemplate.ContainerSpec.Hosts, ["10.8.8.2 qk-two.test"]),
      },
      {
        what: "containerSpec.sysctl",
        change: (v) => ({ ...v, sysctl: { "net.ipv4.tcp_keepalive_time": "700" } }),
        resource: "full",
        check: () =>
          assert.deepEqual(inspect(ver.svcName).Spec.TaskTemplate.ContainerSpec.Sysctls, {
            "net.ipv4.tcp_keepalive_time": "700",
          }),
      },
      {
        what: "containerSpec.labels (a value)",
        change: (v) => ({ ...v, containerLabel: "two" }),
        resource: "full",
        check: () =>
          assert.deepEqual(inspect(ver.svcName).Spec.TaskTemplate.ContainerSpec.Labels, {
            "queuekit.container": "two",
          }),
      },
      {
        what: "name",
        change: (v) => ({ ...v, svcName: `${prefix}-renamed` }),
        resource: "full",
        check: () => {
          assert.equal(inspect(`${prefix}-renamed`).Spec.Name, `${prefix}-renamed`);
          assert.notEqual(engine.docker(["service", "inspect", `${prefix}-full`]).code, 0, "the old name is gone");
        },
      },
      {
        what: "RemoteImage triggers",
        change: (v) => ({ ...v, trigger: "b" }),
        resource: "built",
        newId: false,
        check: () => assert.deepEqual(program.state().built!.inputs.triggers, { source: "b" }),
      },
      {
        what: "RemoteImage build (a build arg)",
        change: (v) => ({ ...v, buildArg: "two" }),
        resource: "built",
        check: () => assert.equal((imageInspect(`${prefix}/built:1`).Config.Labels as Json)["queuekit.arg"], "two"),
      },
    ];

    for (const { what, change, resource, check, newId } of REPLACED)
      it(`replaced on a change of ${what}; a second up and a refresh change nothing`, () => {
        const ids = () => program.state()[resource]!.outputs.id;
        const before = ids();
        ver = change(ver);
        const out = up("up --yes --skip-preview");
        assert.match(out.stdout, /\+-\s*1 replaced/, out.stdout);
        if (newId !== false) assert.notEqual(ids(), before, `${resource} must be a new resource`);
        check();
        up("up --yes --skip-preview --expect-no-changes");
        program.must("refresh --yes --skip-preview --expect-no-changes");
      });

    it("a mode change (global → replicated) is refused by the engine (upstream updates it in place); the service stays", () => {
      const before = inspect(`${prefix}-glob`);
      const r = program.pulumi(
        "up --yes --skip-preview",
        spec(engine, registry, dirs, { ...ver, globalMode: false }, prefix),
      );
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stdout, /service mode change is not allowed/);
      const after = inspect(`${prefix}-glob`);
      assert.equal(after.ID, before.ID);
      assert.deepEqual(after.Spec.Mode, { Global: {} });
      // The refused mode stays in the state (upstream keeps a failed update's plan): a refresh reads the engine's.
      program.must("refresh --yes --skip-preview");
      up("up --yes --skip-preview --expect-no-changes");
      program.must("refresh --yes --skip-preview --expect-no-changes");
    });

    it("destroy removes the services, secret, configs, network and the built image", () => {
      up("destroy --yes --skip-preview");
      assert.equal(must(engine.docker(["service", "ls", "-q"])).trim(), "");
      assert.equal(must(engine.docker(["secret", "ls", "-q"])).trim(), "");
      assert.equal(must(engine.docker(["config", "ls", "-q"])).trim(), "");
      assert.notEqual(engine.docker(["network", "inspect", `${prefix}-net`]).code, 0);
      assert.notEqual(engine.docker(["image", "inspect", `${prefix}/built:1`]).code, 0);
    });
  },
);
