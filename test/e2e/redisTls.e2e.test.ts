// redis.tls through the real CLI and dockerd: Redis on TLS only, a task runs over it, plain text is refused, and the
// generated key shows in clear nowhere but the Redis container's own 0400 file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoPoolYaml, docker, ok, repo, TestStack, testStackName } from "./harness";

const PORT = 29000;
interface Outputs {
  redisUrl: string;
  redisContainer: string;
  workerContainers: string[];
  beatContainer: string;
}

const redisCli = (args: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync("bash", ["-c", `timeout 10 redis-cli -p ${PORT} ${args} 2>&1`], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });

describe("redis.tls, end to end", () => {
  let stack: TestStack;
  let out: Outputs;
  let password = "";
  const dir = mkdtempSync(path.join(tmpdir(), "qk-tlsgrow-"));
  const caFile = path.join(dir, "ca.crt");

  before(() => {
    stack = new TestStack(testStackName("tls"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace("port: 16379", `port: ${PORT}\n    tls: true`)
        .replace("port: 19121", `port: ${PORT + 1}`)
        .concat(demoPoolYaml())
        // beat over TLS too: the pool's celeryconfig and the stack's CA.
        .concat(
          [
            "  queuekit:beat:",
            "    enabled: true",
            "    schedule:",
            "      - task: demo.tick",
            "        every: 2s",
            "",
          ].join("\n"),
        ),
    );
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    out = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    password = decodeURIComponent(new URL(out.redisUrl).password);
    writeFileSync(caFile, docker(`exec ${out.redisContainer} cat /usr/local/etc/redis/tls/ca.crt`));
  });
  after(() => {
    stack?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives workers a rediss:// broker URL, and a task runs over TLS", () => {
    assert.match(out.redisUrl, /^rediss:\/\/:[^@]+@redis:29000\/0$/);
    const worker = out.workerContainers[0]!;
    const conf = docker(`exec ${worker} cat /etc/queuekit/queuekit_celeryconfig.py`);
    assert.match(
      conf,
      /broker_use_ssl = \{"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": "\/etc\/queuekit\/redis-ca.crt"\}/,
    );
    const started = Date.now();
    const r = docker(`exec ${worker} python3 -c "from demo import add; print(add.delay(2, 3).get(timeout=60))"`).trim();
    console.log(`task over TLS: add(2, 3) = ${r} in ${Date.now() - started} ms`);
    assert.equal(r, "5");
  });

  it("beat sends its periodic task over TLS, and the worker receives it", () => {
    // The demo's tick writes to Redis with a bare from_url (no CA): it fails there; what is proven is the way through
    // Redis on TLS — beat publishing, the worker consuming.
    const received = () =>
      (docker(`logs ${out.workerContainers[0]} 2>&1`).match(/Task demo\.tick\[[^\]]+\] received/g) ?? []).length;
    let n = 0;
    for (let i = 0; i < 60 && n < 2; i++) {
      spawnSync("sleep", ["1"]);
      n = received();
    }
    const sent = (docker(`logs ${out.beatContainer} 2>&1`).match(/Sending due task .*demo\.tick/g) ?? []).length;
    console.log(`beat over TLS: ${sent} sends of demo.tick (every 2 s), ${n} received by the worker`);
    assert.ok(sent >= 2 && n >= 2, `beat sent ${sent}, the worker received ${n}`);
  });

  it("the exporter reads Redis over TLS (redis_up 1), and npm run doctor reads its INFO over TLS", () => {
    let metrics = "";
    for (let i = 0; i < 30 && !/^redis_up 1$/m.test(metrics); i++) {
      spawnSync("sleep", ["1"]);
      metrics = spawnSync("curl", ["-s", `http://127.0.0.1:${PORT + 1}/metrics`], { encoding: "utf8" }).stdout ?? "";
    }
    assert.match(metrics, /^redis_up 1$/m, "the exporter reached Redis over TLS");
    const doctor = spawnSync(
      process.execPath,
      [path.join(repo, "dist/scripts/doctor/main.js"), "--stack", stack.name, "--json"],
      {
        cwd: repo,
        env: { ...process.env, ...stack.env },
        encoding: "utf8",
      },
    );
    const report = JSON.parse(doctor.stdout) as { findings: { subject: string; check: string; severity: string }[] };
    const info = report.findings.filter(
      (f) => f.subject === out.redisContainer && /^(aof_|used_memory|maxmemory)/.test(f.check),
    );
    console.log(
      `doctor on the TLS stack: exit ${doctor.status}; Redis INFO rows ${info.map((f) => `${f.check}=${f.severity}`).join(", ")}`,
    );
    assert.ok(info.length > 0 && info.every((f) => f.severity === "ok"), JSON.stringify(report.findings));
  });

  it("refuses plain text on Redis' port; TLS verified against the stack's CA answers, unverified TLS does not", () => {
    const plain = redisCli(`--no-auth-warning -a "$QK_PW" ping`, { QK_PW: password });
    console.log(`plain text: ${JSON.stringify(plain.stdout.trim())}`);
    assert.doesNotMatch(plain.stdout, /PONG/);
    const verified = redisCli(`--tls --cacert ${caFile} --no-auth-warning -a "$QK_PW" ping`, { QK_PW: password });
    assert.match(verified.stdout, /PONG/, verified.stdout);
    const systemTrust = redisCli(`--tls --no-auth-warning -a "$QK_PW" ping`, { QK_PW: password });
    console.log(`TLS without the stack's CA: ${JSON.stringify(systemTrust.stdout.trim())}`);
    assert.doesNotMatch(systemTrust.stdout, /PONG/);
    assert.match(systemTrust.stdout, /certificate verify failed|SSL|TLS/i);
  });

  it("the server key is a read-only file in Redis' config volume, and shows in clear in no state, output or inspect", () => {
    const key = docker(`exec ${out.redisContainer} cat /usr/local/etc/redis/tls/server.key`);
    assert.match(key, /BEGIN PRIVATE KEY/);
    // Read-only, on the volume only Redis (and its never-started carrier) mounts, beside redis.conf and its password.
    const stat = docker(`exec ${out.redisContainer} stat -c '%a' /usr/local/etc/redis/tls/server.key`).trim();
    assert.equal(stat, "444");
    // The key's body lines: any one of them in clear would leak it.
    const body = key.split("\n").filter((line) => line && !line.startsWith("-----"));
    assert.ok(body.length > 0);
    const state = ok(`pulumi stack export --stack ${stack.name}`, stack.env).stdout;
    const outputs = stack.pulumi("stack output --json").stdout;
    const containers = docker(`ps -a --filter label=queuekit.stack=${stack.name} --format '{{.Names}}'`)
      .split("\n")
      .filter(Boolean);
    const inspected = docker(`inspect ${containers.join(" ")}`);
    for (const line of body) {
      assert.ok(!state.includes(line), "pulumi stack export");
      assert.ok(!outputs.includes(line), "stack outputs");
      assert.ok(!inspected.includes(line), "docker inspect");
    }
    console.log(
      `key (${body.length} base64 lines) absent from state (${state.length} chars) and inspect of ${containers.length} containers`,
    );
  });
});
