// A Swarm `up` through the real Pulumi CLI and the bridged docker plugin (issue 11): a docker.Service with a
// docker.Secret and a docker.ServiceConfig on a single-node swarm of a throw-away engine. Each input is read back in
// `docker service inspect` and in the running task (Redis reads the mounted config, which includes the secret's
// requirepass); a second `up` and a `refresh` change nothing; an in-place change updates the same service;
// inputs the plugin cannot honour are refused naming the property; destroy removes everything.
// Ports 28201 (published through the ingress mesh), 28290 (swarm control plane), 28291/udp (data path).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { loadImage, type TestEngine } from "./dockerEngine";
import { type Json, type Spec, SpecProgram } from "./specProgram";
import { startSwarmEngine } from "./swarm";

const MiB = 2 ** 20;
const SECOND = 1e9; // Swarm durations are in nanoseconds
const IMAGE = "queuekit/redis:7-local";
const stack = `swarm-${process.pid}`;
const prefix = `qk-${stack}`;
const password = randomBytes(12).toString("hex");
const b64 = (text: string) => Buffer.from(text).toString("base64");

const REDIS_CONF = ["include /run/secrets/redis-auth.conf", "maxmemory 40mb", "maxmemory-policy noeviction", ""].join(
  "\n",
);

/** The Service's arguments; `memoryMiB` and `env` are what the in-place update changes. */
function service(memoryMiB: number, env: Record<string, string>): Json {
  return {
    name: `${prefix}-redis`,
    labels: [{ label: "queuekit.stack", value: stack }],
    mode: { replicated: { replicas: 1 } },
    taskSpec: {
      containerSpec: {
        image: IMAGE,
        env,
        capDrops: ["ALL"],
        stopGracePeriod: "10s",
        healthcheck: { tests: ["CMD", "redis-cli", "ping"], interval: "5s", timeout: "3s", retries: 3 },
        configs: [
          {
            configId: { $ref: "conf.id" },
            configName: { $ref: "conf.name" },
            fileName: "/usr/local/etc/redis/redis.conf",
            fileMode: 0o444,
          },
        ],
        // Owned by the image's redis user (101:102), readable by it alone.
        secrets: [
          {
            secretId: { $ref: "auth.id" },
            secretName: { $ref: "auth.name" },
            fileName: "/run/secrets/redis-auth.conf",
            fileUid: "101",
            fileGid: "102",
            fileMode: 0o400,
          },
        ],
      },
      resources: {
        limits: { memoryBytes: memoryMiB * MiB, nanoCpus: 500_000_000 },
        reservation: { memoryBytes: 32 * MiB },
      },
      restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 3, window: "30s" },
      placement: { constraints: ["node.role==manager"] },
      logDriver: { name: "json-file", options: { "max-size": "1m" } },
    },
    endpointSpec: { ports: [{ targetPort: 6379, publishedPort: 28201, protocol: "tcp", publishMode: "ingress" }] },
  };
}

function spec(host: string, svc: Json): Spec {
  return {
    provider: { host },
    resources: [
      {
        kind: "Secret",
        name: "auth",
        args: { name: `${prefix}-auth`, data: { $secret: b64(`requirepass ${password}\n`) } },
      },
      {
        kind: "ServiceConfig",
        name: "conf",
        args: { name: `${prefix}-conf`, data: b64(REDIS_CONF), labels: [{ label: "queuekit.stack", value: stack }] },
      },
      { kind: "Service", name: "svc", args: svc },
    ],
  };
}

type ServiceInspect = {
  ID: string;
  Version: { Index: number };
  Spec: {
    Name: string;
    Labels: Record<string, string>;
    Mode: { Replicated?: { Replicas: number } };
    TaskTemplate: {
      ContainerSpec: Json & { Env: string[] };
      Resources: Json;
      RestartPolicy: Json;
      Placement: Json;
      LogDriver: Json;
      Runtime?: string;
    };
    EndpointSpec: { Ports: Json[] };
  };
};

const withTask = (svc: Json, extra: Json): Json => ({ ...svc, taskSpec: { ...(svc.taskSpec as Json), ...extra } });

describe("a docker.Service with a Secret and a ServiceConfig on a single-node swarm", { timeout: 1_800_000 }, () => {
  let engine: TestEngine;
  let program: SpecProgram;
  const svcName = `${prefix}-redis`;
  const inspectService = (): ServiceInspect =>
    (JSON.parse(must(engine.docker(["service", "inspect", svcName]))) as ServiceInspect[])[0]!;
  const must = (r: { code: number; stdout: string; stderr: string }) => {
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  /** The service's running task container, once it runs with `memory` bytes (the update rolled out). */
  async function runningTask(memory: number): Promise<string> {
    for (let i = 0; i < 180; i++) {
      const ids = engine
        .docker([
          "ps",
          "-q",
          "--filter",
          `label=com.docker.swarm.service.name=${svcName}`,
          "--filter",
          "status=running",
        ])
        .stdout.split("\n")
        .filter(Boolean);
      for (const id of ids)
        if (engine.docker(["inspect", "-f", "{{.HostConfig.Memory}}", id]).stdout.trim() === String(memory)) return id;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.fail(`no running task of ${svcName}:\n${engine.docker(["service", "ps", "--no-trunc", svcName]).stdout}`);
  }

  before(async () => {
    engine = await startSwarmEngine({ listen: 28290, dataPath: 28291 });
    loadImage(engine, IMAGE);
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
    }
  });

  it("up creates the Secret, the ServiceConfig and the Service, each input applied", async () => {
    const up = program.must("up --yes --skip-preview", spec(engine.host, service(64, { QK_SWARM: "1" })));
    assert.match(up.stdout, /\+ 5 created/); // with the stack and the provider
    const s = inspectService();
    const t = s.Spec.TaskTemplate;
    assert.equal(s.Spec.Name, svcName);
    assert.equal(s.Spec.Labels["queuekit.stack"], stack);
    assert.equal(s.Spec.Mode.Replicated?.Replicas, 1);
    assert.match(String(t.ContainerSpec.Image), /^queuekit\/redis:7-local/);
    assert.ok(t.ContainerSpec.Env.includes("QK_SWARM=1"), JSON.stringify(t.ContainerSpec.Env));
    assert.deepEqual(t.ContainerSpec.CapabilityDrop, ["ALL"]);
    assert.equal(t.ContainerSpec.StopGracePeriod, 10 * SECOND);
    assert.deepEqual(t.ContainerSpec.Healthcheck, {
      Test: ["CMD", "redis-cli", "ping"],
      Interval: 5 * SECOND,
      Timeout: 3 * SECOND,
      Retries: 3,
    });
    const [config] = t.ContainerSpec.Configs as Json[];
    assert.deepEqual(config!.File, { Name: "/usr/local/etc/redis/redis.conf", UID: "0", GID: "0", Mode: 0o444 });
    assert.equal(config!.ConfigName, `${prefix}-conf`);
    const [secret] = t.ContainerSpec.Secrets as Json[];
    assert.deepEqual(secret!.File, { Name: "/run/secrets/redis-auth.conf", UID: "101", GID: "102", Mode: 0o400 });
    assert.equal(secret!.SecretName, `${prefix}-auth`);
    assert.deepEqual(t.Resources, {
      Limits: { MemoryBytes: 64 * MiB, NanoCPUs: 500_000_000 },
      Reservations: { MemoryBytes: 32 * MiB },
    });
    assert.deepEqual(t.RestartPolicy, {
      Condition: "on-failure",
      Delay: 5 * SECOND,
      MaxAttempts: 3,
      Window: 30 * SECOND,
    });
    assert.deepEqual(t.Placement.Constraints, ["node.role==manager"]);
    assert.deepEqual(t.LogDriver, { Name: "json-file", Options: { "max-size": "1m" } });
    assert.deepEqual(
      s.Spec.EndpointSpec.Ports.map(({ Protocol, TargetPort, PublishedPort, PublishMode }) => ({
        Protocol,
        TargetPort,
        PublishedPort,
        PublishMode,
      })),
      [{ Protocol: "tcp", TargetPort: 6379, PublishedPort: 28201, PublishMode: "ingress" }],
    );

    // The task itself: Redis running on the mounted config with the secret's password.
    const task = await runningTask(64 * MiB); // the engine's limit on the task's container
    const cli = (...args: string[]) => engine.docker(["exec", task, "redis-cli", ...args]);
    assert.match(cli("ping").stdout, /NOAUTH/);
    assert.equal(cli("--no-auth-warning", "-a", password, "ping").stdout.trim(), "PONG");
    assert.equal(
      cli("--no-auth-warning", "-a", password, "config", "get", "maxmemory").stdout.trim(),
      `maxmemory\n${40 * MiB}`,
    );
    assert.equal(
      must(engine.docker(["exec", task, "stat", "-c", "%u:%g %a", "/run/secrets/redis-auth.conf"])).trim(),
      "101:102 400",
    );
    assert.ok(!program.rawState().includes(password), "the secret's data must stay encrypted in the state");
  });

  it("a second up and a refresh change nothing", () => {
    program.must("up --yes --skip-preview --expect-no-changes", spec(engine.host, service(64, { QK_SWARM: "1" })));
    program.must("refresh --yes --skip-preview --expect-no-changes");
  });

  it("a changed memory limit and env update the same service in place", async () => {
    const before = inspectService();
    const up = program.must("up --yes --skip-preview", spec(engine.host, service(96, { QK_SWARM: "2" })));
    assert.match(up.stdout, /~ 1 updated/);
    assert.doesNotMatch(up.stdout, /replaced/);
    const s = inspectService();
    assert.equal(s.ID, before.ID, "the service must be updated, not replaced");
    assert.ok(s.Version.Index > before.Version.Index);
    assert.equal((s.Spec.TaskTemplate.Resources.Limits as Json).MemoryBytes, 96 * MiB);
    assert.ok(s.Spec.TaskTemplate.ContainerSpec.Env.includes("QK_SWARM=2"));
    await runningTask(96 * MiB);
    program.must("up --yes --skip-preview --expect-no-changes", spec(engine.host, service(96, { QK_SWARM: "2" })));
  });

  /**
   * Inputs and values the plugin or the engine cannot honour: each `up` fails, naming the property (the plugin's
   * checks name the program's path, e.g. svc.taskSpec.restartPolicy.condition) or the refused value (the engine's).
   */
  const REFUSED: { what: string; change: (svc: Json) => Json; names: RegExp }[] = [
    {
      what: "global and replicated mode at once",
      change: (svc) => ({ ...svc, mode: { global: true, replicated: { replicas: 1 } } }),
      names: /"mode\.0\.global": conflicts with mode\.0\.replicated\. Examine values at 'svc\.mode\.global'/,
    },
    {
      what: "an unknown restart condition",
      change: (svc) => withTask(svc, { restartPolicy: { condition: "sometimes" } }),
      names: /'sometimes' doesn't match the pattern .* at 'svc\.taskSpec\.restartPolicy\.condition'/,
    },
    {
      what: "a 1 MiB memory limit (the engine's minimum is 4 MiB)",
      change: (svc) => withTask(svc, { resources: { limits: { memoryBytes: MiB } } }),
      names: /invalid memory value 1048576: Must be at least 4MiB/,
    },
    {
      what: "an icmp port",
      change: (svc) => ({ ...svc, endpointSpec: { ports: [{ targetPort: 6379, protocol: "icmp" }] } }),
      names: /'icmp' doesn't match the pattern .* at 'svc\.endpointSpec\.ports\[0\]\.protocol'/,
    },
    {
      // The provider has no plugin spec to go with it. Last: see the next test.
      what: "a plugin runtime",
      change: (svc) => withTask(svc, { runtime: "plugin" }),
      names: /mismatched runtime with container spec/,
    },
  ];

  for (const { what, change, names } of REFUSED)
    it(`refused: ${what}`, () => {
      const r = program.pulumi("up --yes --skip-preview", spec(engine.host, change(service(96, { QK_SWARM: "2" }))));
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stdout + r.stderr, names);
    });

  it("after the refusals the engine still runs the program's service; a refresh and an up converge", () => {
    const t = inspectService().Spec.TaskTemplate;
    assert.equal((t.Resources.Limits as Json).MemoryBytes, 96 * MiB);
    assert.equal(t.Runtime, "container");
    // The refused `runtime: plugin` stays in the state (a computed input): refresh reads the engine's back.
    program.must("refresh --yes --skip-preview");
    program.must("up --yes --skip-preview", spec(engine.host, service(96, { QK_SWARM: "2" })));
    program.must("up --yes --skip-preview --expect-no-changes", spec(engine.host, service(96, { QK_SWARM: "2" })));
  });

  it("destroy removes the service, the secret and the config", () => {
    program.must("destroy --yes --skip-preview");
    assert.equal(must(engine.docker(["service", "ls", "-q"])).trim(), "");
    assert.equal(must(engine.docker(["secret", "ls", "-q"])).trim(), "");
    assert.equal(must(engine.docker(["config", "ls", "-q"])).trim(), "");
  });
});
