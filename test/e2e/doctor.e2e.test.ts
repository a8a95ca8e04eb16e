// `npm run doctor` on a throw-away stack through the real Pulumi CLI and dockerd: clean on a fresh stack, then it
// names each fault injected (a stopped worker, a queue past its limit, a worker cut off from Redis, maxmemory changed
// by hand) and is clean again once it is undone. No fault touches a kernel setting. Bad input (unknown stack, a stack not deployed) exits 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { diagnose } from "../../scripts/doctor/checks";
import { expectationsOf } from "../../scripts/doctor/expect";
import { gatherFacts } from "../../scripts/doctor/gather";
import { sshRunner } from "../../scripts/doctor/host";
import type { Report } from "../../scripts/doctor/report";
import { configAndPlan, sshKeyFile, stackOutputs } from "../../scripts/doctor/stack";
import { demoPoolStack, docker, inspect, leftovers, repo, TestStack, testStackName } from "./harness";
import { startSshd } from "./sshd";

const PORT = 26447;
const QUEUE_WARN = 10;

interface Doctor {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function doctor(stack: string, env: NodeJS.ProcessEnv, ...args: string[]): Doctor {
  const r = spawnSync("node", [path.join(repo, "dist/scripts/doctor/main.js"), "--stack", stack, ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** The table's rows that are not ok: "FAIL  <thing>  <check>  …". */
const problemRows = (table: string): string[] => table.split("\n").filter((l) => /^(WARN|FAIL) /.test(l));

/** redis-cli inside the stack's Redis, the password read there (never in an argv); commands on stdin. */
function redis(container: string, commands: string): string {
  const cli = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /usr/local/etc/redis/redis.conf)" exec redis-cli -p ${PORT}`;
  const r = spawnSync("docker", ["exec", "-i", container, "sh", "-c", cli], { input: commands, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** Until Docker's healthcheck says healthy (the worker's first check runs 30 s after it starts). */
function waitHealthy(container: string, seconds = 120): void {
  for (let i = 0; i < seconds; i++) {
    const c = inspect<{ State: { Health?: { Status: string } } }>(container);
    if (c.State.Health?.Status === "healthy") return;
    spawnSync("sleep", ["1"]);
  }
  assert.fail(`${container} not healthy after ${seconds} s`);
}

describe("npm run doctor, end to end", () => {
  let stack: TestStack;
  let redisName: string;
  let worker: string;

  before(() => {
    stack = demoPoolStack(testStackName("doctor"), PORT);
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const out = JSON.parse(stack.pulumi("stack output --json").stdout) as {
      redisContainer: string;
      workerContainers: string[];
    };
    redisName = out.redisContainer;
    worker = out.workerContainers[0];
    waitHealthy(redisName);
    waitHealthy(worker);
  });
  after(() => {
    const name = stack?.name;
    stack?.dispose();
    if (name) assert.deepEqual(leftovers(name), [], "dispose leaves nothing behind");
  });

  it("a fresh stack: exit 0, every row ok, one row per container and queue", () => {
    const r = doctor(stack.name, stack.env);
    console.log(r.stdout);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(problemRows(r.stdout), []);
    for (const thing of [
      "vm.overcommit_memory",
      "transparent_hugepage/enabled",
      "net.core.somaxconn",
      redisName,
      worker,
    ])
      assert.match(r.stdout, new RegExp(`^ok  ${thing.replace(/[./]/g, "\\$&")}\\s`, "m"));
    assert.match(r.stdout, /^ok {2}celery\s+depth\s+0\s/m);
    assert.match(r.stdout, /0 failed, 0 warned, \d+ ok — exit 0$/m);

    const json = JSON.parse(doctor(stack.name, stack.env, "--json").stdout) as Report;
    assert.equal(json.exitCode, 0);
    assert.ok(json.findings.every((f) => f.severity === "ok"));
    assert.ok(json.findings.some((f) => f.subject === redisName && f.check === "aof_last_write_status"));
    // When to grow, from the running stack: Redis' used_memory now, the three limits, the closest named in the table.
    const growth = json.growth!;
    assert.deepEqual(
      growth.limits.map((l) => l.limit),
      ["redis-backlog", "worker-memory", "cpu"],
    );
    const backlog = growth.limits[0];
    assert.match(backlog.note, /, used_memory \d/, `Redis' load measured: ${JSON.stringify(backlog)}`);
    assert.match(
      r.stdout,
      new RegExp(`^when to grow — closest limit: .*; one more host like \\S+: worker slots \\d+ → \\d+$`, "m"),
    );
  });

  it("a stopped worker: exit 2, the worker named; a queue filled meanwhile past --queue-warn: its depth named", () => {
    docker(`stop ${worker}`);
    try {
      const stopped = doctor(stack.name, stack.env);
      console.log(stopped.stdout);
      assert.equal(stopped.code, 2, stopped.stdout + stopped.stderr);
      assert.deepEqual(
        problemRows(stopped.stdout).map((l) => l.split(/\s+/).slice(0, 4).join(" ")),
        [`FAIL ${worker} state exited`],
      );
      // Nothing consumes while the worker is down: the messages stay (they are never run: DEL before it starts).
      redis(redisName, `${Array.from({ length: 20 }, (_, i) => `LPUSH celery not-a-task-${i}`).join("\n")}\n`);
      const full = JSON.parse(
        doctor(stack.name, stack.env, "--json", "--queue-warn", String(QUEUE_WARN)).stdout,
      ) as Report;
      assert.equal(full.exitCode, 2);
      const queue = full.findings.find((f) => f.area === "queue" && f.subject === "celery");
      assert.deepEqual(queue && [queue.severity, queue.measured, queue.expected], [
        "warning",
        "20",
        `≤ ${QUEUE_WARN} (--queue-warn)`,
      ]);
    } finally {
      redis(redisName, "DEL celery\n");
      docker(`start ${worker}`);
    }
    waitHealthy(worker);
    const back = doctor(stack.name, stack.env);
    assert.equal(back.code, 0, back.stdout + back.stderr);
  });

  it("a worker cut off from Redis (off the stack network): exit 2, the worker and the broker's address named", () => {
    const networks = Object.keys(
      inspect<{ NetworkSettings: { Networks: Record<string, unknown> } }>(worker).NetworkSettings.Networks,
    );
    assert.equal(networks.length, 1, `one stack network: ${networks.join(", ")}`);
    docker(`network disconnect ${networks[0]} ${worker}`);
    try {
      const r = doctor(stack.name, stack.env);
      console.log(r.stdout);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const rows = problemRows(r.stdout).map((l) =>
        l
          .split(/\s{2,}/)
          .slice(0, 3)
          .join(" | "),
      );
      assert.ok(rows.includes(`FAIL | ${worker} | reaches Redis`), rows.join("\n"));
      assert.match(r.stdout, new RegExp(`reaches Redis\\s+redis:${PORT}: \\S`));
    } finally {
      docker(`network connect ${networks[0]} ${worker}`);
    }
    const back = JSON.parse(doctor(stack.name, stack.env, "--json").stdout) as Report;
    const reach = back.findings.find((f) => f.subject === worker && f.check === "reaches Redis");
    assert.equal(reach?.severity, "ok", JSON.stringify(reach));
  });

  it("maxmemory changed by hand: exit 1, the planned value named; clean once it is put back", () => {
    const planned = redis(redisName, "CONFIG GET maxmemory\n").split("\n")[1];
    redis(redisName, "CONFIG SET maxmemory 100mb\n");
    try {
      const r = doctor(stack.name, stack.env);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const rows = problemRows(r.stdout);
      assert.equal(rows.length, 1, rows.join("\n"));
      assert.match(
        rows[0],
        new RegExp(`^WARN  ${redisName}\\s+maxmemory\\s+100 MiB\\s+204 MiB \\(planned\\)\\s+changed by hand`),
      );
    } finally {
      redis(redisName, `CONFIG SET maxmemory ${planned}\n`);
    }
    assert.equal(doctor(stack.name, stack.env).code, 0);
  });

  it("bad input exits 2 naming the thing and the fix: an unknown stack, a stack not deployed", () => {
    const unknown = doctor("no-such-stack", stack.env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown stack "no-such-stack": no .*Pulumi\.no-such-stack\.yaml — give --stack/);
    const empty = new TestStack(testStackName("doctor0"), "Pulumi.local.yaml");
    try {
      const r = doctor(empty.name, empty.env);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        new RegExp(
          `stack "${empty.name}" has no queuekit outputs: it is not deployed — QUEUEKIT_STACK=${empty.name} npm run up`,
        ),
      );
    } finally {
      empty.dispose();
    }
  });

  // The SSH path on this machine as the "VPS": a real sshd on 127.0.0.1, the key taken from the stack's
  // sshPrivateKey secret as `npm run doctor` does for an ssh stack; every probe, docker and redis-cli call over ssh.
  it("over ssh: the same checks pass through the ssh CLI with the stack's sshPrivateKey secret", async () => {
    const sshd = await startSshd();
    const knownHosts = mkdtempSync(path.join(tmpdir(), "qk-doctor-known-hosts-"));
    const backend = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = stack.env.PULUMI_BACKEND_URL;
    try {
      const set = stack.pulumi(`config set --secret queuekit:sshPrivateKey < ${sshd.privateKeyPath}`);
      assert.equal(set.code, 0, set.stderr);
      const key = sshKeyFile(stack.name);
      assert.ok(key, "the secret is written to a key file");
      try {
        const { config, plan } = configAndPlan(stack.name);
        const expect = expectationsOf(stack.name, config, plan, stackOutputs(stack.name));
        const run = sshRunner(
          {
            kind: "ssh",
            host: "127.0.0.1",
            port: sshd.port,
            user: "root",
            sshOptions: [
              "-o",
              `UserKnownHostsFile=${path.join(knownHosts, "known_hosts")}`,
              "-o",
              "StrictHostKeyChecking=accept-new",
              "-o",
              "LogLevel=ERROR",
            ],
          },
          key.file,
        );
        const findings = diagnose(expect, gatherFacts(run, expect));
        assert.deepEqual(
          findings.filter((f) => f.severity !== "ok"),
          [],
        );
        assert.ok(findings.length >= 40, `every row: ${findings.length}`);
      } finally {
        key.remove();
      }
      assert.match(sshd.log(), /Accepted publickey for root/);
    } finally {
      if (backend === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = backend;
      rmSync(knownHosts, { recursive: true, force: true });
      await sshd.stop();
    }
  });

  // Last: a cgroup's oom_kill counter and the retained logs keep the kill for the container's life.
  it("a child OOM-killed at the worker's limit: exit 1, the kill and the killed child named on the worker", () => {
    const out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as {
      redisUrl: string;
      memoryPlan: { workers: { limit: { mib: number } }[] };
    };
    const broker = out.redisUrl.replace(/@redis:\d+\//, `@127.0.0.1:${PORT}/`);
    const task = { name: "demo.alloc", args: [out.memoryPlan.workers[0].limit.mib + 64], kwargs: { hold_seconds: 1 } };
    const sent = spawnSync("/usr/bin/python3", [path.join(repo, "test/e2e/celery_client.py")], {
      input: JSON.stringify({ broker, calls: [task], timeout: 240 }),
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(sent.status, 0, sent.stderr);
    const [result] = JSON.parse(sent.stdout) as { state: string; result: string }[];
    assert.match(result.result, /DeliveredTooOften/, "the kit's bounded redelivery gave up on it");

    const r = doctor(stack.name, stack.env);
    console.log(r.stdout);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const rows = problemRows(r.stdout).map((l) =>
      l
        .split(/\s{2,}/)
        .slice(0, 3)
        .join(" | "),
    );
    assert.deepEqual(rows, [`WARN | ${worker} | OOM kills`, `WARN | ${worker} | children killed (logs)`]);
  });
});
