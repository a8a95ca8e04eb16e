// redis.tls through the real CLI and dockerd: Redis on TLS only, a task runs over it, plain text is refused, and the
// generated key shows in clear nowhere but the Redis container's own 0400 file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, ok, TestStack, testStackName } from "./harness";

const PORT = 29000;
interface Outputs {
  redisUrl: string;
  redisContainer: string;
  workerContainers: string[];
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
        .replace(/(queuekit:monitoring:\n\s+)enabled: true/, "$1enabled: false")
        .concat(
          [
            "  queuekit:workers:",
            "    - name: default",
            "      image: queuekit/celery-demo:local",
            "      app: demo",
            "      queues: [celery]",
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
