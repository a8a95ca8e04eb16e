// The kit's worker pools as Swarm services (queuekit:orchestrator: swarm) on a single-node swarm of a throw-away
// engine (test/e2e/swarm.ts), never the shared one: `pulumi up`, the service's limits, reservations and placement
// read back from `docker service inspect` against the plan, a Celery task run on it, the policy pack's preview,
// a second up that changes nothing, and a destroy that leaves nothing on the engine.
// Ports 29201 (Redis on loopback), 29211 (exporter), 29290 (swarm control plane), 29291/udp (data path).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadImage, type TestEngine } from "./dockerEngine";
import { pythonJson, repo, TestStack, testStackName, waitForNode } from "./harness";
import { startSwarmEngine } from "./swarm";

const PORT = 29201;
const IMAGES = ["queuekit/redis:7-local", "queuekit/celery-demo:local", "queuekit/redis-exporter:local"];
const CONSTRAINT = "node.labels.queuekit==workers";
const TOKEN = `tok-${process.pid}-swarm`;

interface Outputs {
  redisUrl: string;
  workerServices: string[];
  workerNodes: string[];
  workerContainers: string[];
  memoryPlan: { workers: { name: string; replicas: number; limit: { bytes: number } }[] };
}
type Inspect = {
  Spec: {
    Mode: { Replicated: { Replicas: number } };
    TaskTemplate: {
      ContainerSpec: { User: string; ReadOnly: boolean; CapabilityDrop: string[]; Args?: string[]; Command: string[] };
      Resources: { Limits: { MemoryBytes: number }; Reservations: { MemoryBytes: number } };
      RestartPolicy: { Condition: string };
      Placement: { Constraints: string[] };
    };
  };
};

describe("worker pools as Swarm services on a single-node swarm", { timeout: 1_800_000 }, () => {
  let engine: TestEngine;
  let stack: TestStack;
  let out: Outputs;
  const dock = (...args: string[]): string => {
    const r = engine.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };

  before(async () => {
    engine = await startSwarmEngine({ listen: 29290, dataPath: 29291 });
    for (const image of IMAGES) loadImage(engine, image);
    // The placement constraint's label, on the one node.
    dock("node", "update", "--label-add", "queuekit=workers", dock("info", "--format", "{{.Swarm.NodeID}}"));
    stack = new TestStack(testStackName("swarmpools"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace("port: 16379", `port: ${PORT}`)
        .replace("port: 19121", `port: ${PORT + 10}`)
        .concat(
          [
            "  queuekit:orchestrator: swarm",
            "  queuekit:workers:",
            "    - name: default",
            "      image: queuekit/celery-demo:local",
            "      app: demo",
            "      queues: [celery]",
            "      concurrency: 2",
            "      replicas: 2",
            `      swarm: {constraints: ["${CONSTRAINT}"]}`,
            "",
          ].join("\n"),
        ),
    );
    const set = stack.pulumi(`config set docker:host ${engine.host}`);
    assert.equal(set.code, 0, set.stderr);
  });
  after(async () => {
    stack?.dispose();
    await engine?.stop();
  });

  it("up creates one service per pool, its limits, reservations and placement those of the plan", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    assert.deepEqual(out.workerContainers, [], "no worker containers: the pools are services");
    const planned = out.memoryPlan.workers[0]!;
    const s = (JSON.parse(dock("service", "inspect", out.workerServices[0]!)) as Inspect[])[0]!;
    const t = s.Spec.TaskTemplate;
    console.log(
      `# service ${out.workerServices[0]}: replicas ${s.Spec.Mode.Replicated.Replicas}, limit ${t.Resources.Limits.MemoryBytes} B, ` +
        `reserved ${t.Resources.Reservations.MemoryBytes} B (plan ${planned.limit.bytes} B), constraints ${t.Placement.Constraints.join(",")}`,
    );
    assert.equal(s.Spec.Mode.Replicated.Replicas, planned.replicas);
    assert.equal(planned.replicas, 2);
    assert.equal(t.Resources.Limits.MemoryBytes, planned.limit.bytes);
    assert.equal(t.Resources.Reservations.MemoryBytes, planned.limit.bytes);
    assert.deepEqual(t.Placement.Constraints, [CONSTRAINT]);
    assert.equal(t.RestartPolicy.Condition, "on-failure");
    assert.equal(t.ContainerSpec.ReadOnly, true);
    assert.deepEqual(t.ContainerSpec.CapabilityDrop, ["ALL"]);
    assert.match(t.ContainerSpec.User, /^\d+:\d+$/);
    assert.ok(t.ContainerSpec.Command.includes("--max-memory-per-child"), t.ContainerSpec.Command.join(" "));
  });

  it("a Celery task runs on the service's replicas", () => {
    const broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    for (const node of out.workerNodes) waitForNode(broker, node, 180);
    const [result] = pythonJson<{ state: string }[]>(
      "celery_client.py",
      { broker, calls: [{ name: "demo.alloc", args: [8], kwargs: { hold_seconds: 0 } }], timeout: 120 },
      180_000,
    );
    assert.equal(result!.state, "SUCCESS", JSON.stringify(result));
    const tasks = dock("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${out.workerServices[0]}`);
    const limits = dock(
      "inspect",
      "-f",
      "{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}",
      ...tasks.split("\n"),
    );
    console.log(`# task containers (limit, reservation): ${limits.split("\n").join("; ")}`);
    // The reservation is the scheduler's alone: the engine sets no soft limit (MemoryReservation) on the task.
    for (const line of limits.split("\n"))
      assert.equal(line.split(" ")[0], String(out.memoryPlan.workers[0]!.limit.bytes));
  });

  it("redis.tls and an app secret: the tasks verify Redis against the stack's CA and read the secret's file", () => {
    const file = path.join(repo, `Pulumi.${stack.name}.yaml`);
    const text = readFileSync(file, "utf8");
    assert.ok(text.includes(`    port: ${PORT}\n`), "the stack's Redis port line");
    writeFileSync(file, text.replace(`    port: ${PORT}\n`, `    port: ${PORT}\n    tls: true\n`));
    const set = stack.pulumi(`config set --secret --path 'queuekit:workers[0].secrets.API_TOKEN' '${TOKEN}'`);
    assert.equal(set.code, 0, set.stderr);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up, redis.tls and a secret switched on: ${up.seconds.toFixed(1)} s`);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    assert.match(out.redisUrl, /^rediss:\/\//);
    const service = out.workerServices[0]!;
    const running = (): string[] =>
      dock("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`).split("\n").filter(Boolean);
    // The update replaces the tasks one at a time: wait for the new spec's two tasks alone.
    let tasks = running();
    for (let i = 0; i < 180; i++) {
      const settled = dock(
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.CurrentState}}",
      );
      tasks = running();
      if (tasks.length === 2 && settled.split("\n").every((l) => l.startsWith("Running"))) break;
      spawnSync("sleep", ["1"]);
    }
    assert.equal(tasks.length, 2, "two running tasks after the update");
    const task = tasks[0]!;
    const conf = dock("exec", task, "cat", "/run/secrets/queuekit_celeryconfig.py");
    assert.match(
      conf,
      /broker_use_ssl = \{"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": "\/etc\/queuekit\/redis-ca.crt"\}/,
    );
    assert.match(dock("exec", task, "cat", "/etc/queuekit/redis-ca.crt"), /^-----BEGIN CERTIFICATE-----/);
    // A task sent from inside a task container (its celeryconfig, over TLS), run by a replica, reading the secret file.
    let seen: { API_TOKEN: { from: string; sha256: string; mode: string; uid: number; reader: number } } | undefined;
    for (let i = 0; i < 30 && !seen; i++) {
      const r = engine.docker([
        "exec",
        task,
        "python3",
        "-c",
        "import json; from demo import settings_digest; print(json.dumps(settings_digest.delay(['API_TOKEN']).get(timeout=60)))",
      ]);
      if (r.code === 0) seen = JSON.parse(r.stdout.trim().split("\n").pop()!);
      else spawnSync("sleep", ["2"]);
    }
    assert.ok(seen, "settings_digest ran over TLS");
    console.log(`# over TLS on the swarm: API_TOKEN ${JSON.stringify(seen.API_TOKEN)}`);
    assert.equal(seen.API_TOKEN.from, "file");
    assert.equal(seen.API_TOKEN.sha256, createHash("sha256").update(TOKEN).digest("hex"));
    assert.equal(seen.API_TOKEN.mode, "0o400");
    assert.equal(seen.API_TOKEN.uid, seen.API_TOKEN.reader, "owned by the worker's uid");
    // Plain text is refused on Redis' port now; the secret's value is in no service spec or secret name.
    const plain = spawnSync("bash", ["-c", `timeout 5 redis-cli -p ${PORT} PING 2>&1`], { encoding: "utf8" });
    assert.doesNotMatch(plain.stdout, /PONG|NOAUTH/);
    const specs = dock("service", "inspect", service) + dock("secret", "ls", "--format", "{{.Name}}");
    assert.ok(!specs.includes(TOKEN), "the secret's value in a spec or a name");
  });

  it("the policy pack passes the stack; a second up changes nothing", () => {
    // Swarm cannot set --memory-swap: the pack accepts services only for nodes run with swap off (docs/scale-out.md).
    const policyConfig = path.join(tmpdir(), `qk-swarmpools-policy-${process.pid}.json`);
    writeFileSync(policyConfig, JSON.stringify({ "container-swap-bounded": { swarmNodesWithoutSwap: true } }));
    const preview = stack.pulumi(`preview --diff=false --policy-pack policies --policy-pack-config ${policyConfig}`);
    rmSync(policyConfig);
    console.log(
      `# policy preview exit ${preview.code}\n${(preview.stdout + preview.stderr)
        .split("\n")
        .filter((l) => /violation|advisory|mandatory|Policies/i.test(l))
        .join("\n")}`,
    );
    assert.equal(preview.code, 0, preview.stdout + preview.stderr);
    assert.doesNotMatch(preview.stdout, /mandatory/);
    const diff = stack.pulumi("preview --diff --expect-no-changes");
    if (diff.code !== 0)
      console.log(
        diff.stdout
          .split("\n")
          .filter((l) => /^\s*[-+~]/.test(l))
          .join("\n"),
      );
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it("destroy leaves no service, secret, config or container on the engine", () => {
    const destroyed = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    assert.equal(dock("service", "ls", "-q"), "");
    assert.equal(dock("secret", "ls", "-q"), "");
    assert.equal(dock("config", "ls", "-q"), "");
    assert.equal(dock("ps", "-aq"), "");
  });
});
