// redis.tls: the config key and its refusals, the generated certificates, a TLS-only redis.conf that a real
// redis-server serves (and refuses plain text on), and the celeryconfig's TLS settings.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { splitPems, tlsSubjectAltNames } from "../../infra/components/redisTls";
import { planMemory } from "../../infra/plan/planner";
import { renderCeleryConfig } from "../../infra/render/celery";
import { EXPORTER_CA_FILE, exporterArgs } from "../../infra/render/monitoring";
import { brokerUrlAt } from "../../infra/components/engine";
import { renderRedisConf } from "../../infra/render/redisConf";
import { templatesDir } from "../../infra/render/template";
import { configRefusal } from "./refusal";

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj", queues: ["celery"] };
const one = (extra: object = {}) => ({ preset: "2GiB", workers: [pool], redis: { tls: true }, ...extra });
const dir = mkdtempSync(path.join(tmpdir(), "qk-tls-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The generator as the stack runs it: the kit's openssl script, its output split into the three PEMs. */
function generate(sans: string) {
  const r = spawnSync("sh", [path.join(templatesDir, "redis/tls-certs.sh")], {
    encoding: "utf8",
    env: { ...process.env, QK_TLS_STACK: "test", QK_TLS_SANS: sans },
  });
  assert.equal(r.status, 0, r.stderr);
  return splitPems(r.stdout);
}

describe("redis.tls config", () => {
  it("is off by default and accepted on one host", () => {
    assert.equal(parseConfig({ preset: "2GiB", workers: [pool] }).redis.tls, false);
    assert.equal(parseConfig(one()).redis.tls, true);
  });

  it("refuses a non-boolean, naming the key", () => {
    const found = configRefusal(one({ redis: { tls: "yes" } })).issues.find((i) => i.path === "redis.tls");
    assert.ok(found, "no issue at redis.tls");
  });

  it("accepts beat and the exporter beside it: each gets the stack's CA", () => {
    const config = parseConfig(one({ beat: { enabled: true }, monitoring: { enabled: true } }));
    assert.deepEqual([config.beat.enabled, config.monitoring.enabled], [true, true]);
    const args = exporterArgs({ redisUrl: "rediss://redis:6379", queues: ["celery"], tls: true });
    assert.deepEqual(args.slice(-2), ["-tls-ca-cert-file", EXPORTER_CA_FILE]);
    assert.ok(!exporterArgs({ redisUrl: "redis://redis:6379", queues: ["celery"] }).includes("-tls-ca-cert-file"));
  });

  it("accepts workers on another host than Redis: their broker URL is rediss:// at its private address", () => {
    const ssh = (host: string) => ({ kind: "ssh", host });
    const raw = {
      hosts: [
        { name: "broker", privateAddress: "10.0.0.2", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.10") },
        { name: "worker-1", privateAddress: "10.0.0.3", memory: "2GiB", cpus: 2, connection: ssh("203.0.113.11") },
      ],
      redis: { memory: "512MiB", tls: true },
      workers: [{ ...pool, replicas: 2 }],
    };
    assert.equal(parseConfig(raw).redis.tls, true);
    assert.equal(brokerUrlAt("pw", "10.0.0.2", 6379, true), "rediss://:pw@10.0.0.2:6379/0");
    assert.equal(brokerUrlAt("pw", "fd00::2", 6379), "redis://:pw@[fd00::2]:6379/0");
  });
});

describe("redis.tls certificate names", () => {
  it("the alias, loopback, and each address clients reach Redis at, once; redis.bind none is no address", () => {
    assert.equal(tlsSubjectAltNames("redis"), "DNS:redis,DNS:localhost,IP:127.0.0.1");
    assert.equal(
      tlsSubjectAltNames("redis", "10.0.0.2", "10.0.0.2"),
      "DNS:redis,DNS:localhost,IP:127.0.0.1,IP:10.0.0.2",
    );
    assert.equal(tlsSubjectAltNames("redis", undefined, "none"), "DNS:redis,DNS:localhost,IP:127.0.0.1");
    assert.equal(tlsSubjectAltNames("redis", undefined, "127.0.0.1"), "DNS:redis,DNS:localhost,IP:127.0.0.1");
    assert.equal(
      tlsSubjectAltNames("redis", undefined, "192.168.5.1"),
      "DNS:redis,DNS:localhost,IP:127.0.0.1,IP:192.168.5.1",
    );
  });
});

describe("redis.tls material", () => {
  it("makes a CA and a server certificate for the alias, loopback and the private address, verified by openssl", () => {
    const pems = generate(tlsSubjectAltNames("redis", "10.0.0.2"));
    assert.match(pems.key, /^-----BEGIN PRIVATE KEY-----/);
    writeFileSync(path.join(dir, "ca.crt"), pems.ca);
    writeFileSync(path.join(dir, "server.crt"), pems.cert);
    const verify = spawnSync("openssl", ["verify", "-CAfile", path.join(dir, "ca.crt"), path.join(dir, "server.crt")], {
      encoding: "utf8",
    });
    assert.match(verify.stdout, /OK/);
    const sans = spawnSync(
      "openssl",
      ["x509", "-noout", "-ext", "subjectAltName", "-in", path.join(dir, "server.crt")],
      {
        encoding: "utf8",
      },
    ).stdout;
    assert.match(sans, /DNS:redis, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:10\.0\.0\.2/);
  });

  it("refuses an output without three PEM blocks", () => {
    assert.throws(() => splitPems("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n"), /1 PEM blocks/);
  });
});

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe("redis.conf with TLS", () => {
  it("closes the plain-text port; a real redis-server answers over TLS with the CA and refuses plain text", async () => {
    const port = await freePort();
    const tlsDir = path.join(dir, "served");
    spawnSync("mkdir", [tlsDir]);
    const pems = generate(tlsSubjectAltNames("redis"));
    writeFileSync(path.join(tlsDir, "ca.crt"), pems.ca);
    writeFileSync(path.join(tlsDir, "server.crt"), pems.cert);
    writeFileSync(path.join(tlsDir, "server.key"), pems.key, { mode: 0o400 });
    const conf = renderRedisConf({
      stack: "test",
      port,
      password: "s3cret-for-tests",
      tcpBacklog: 511,
      maxmemoryBytes: 64 * 2 ** 20,
      containerLimitBytes: 128 * 2 ** 20,
      maxmemoryPolicy: "noeviction",
      persistence: "none",
      activeDefrag: false,
      tlsDir,
    });
    assert.match(conf, new RegExp(`^port 0\ntls-port ${port}\n`, "m"));
    assert.match(conf, /^tls-auth-clients no$/m);
    const file = path.join(dir, "redis.conf");
    writeFileSync(file, conf.replace(/^dir .*$/m, `dir ${dir}`).replace(/^bind .*$/m, "bind 127.0.0.1"));
    const server = spawn("redis-server", [file], { stdio: "ignore" });
    try {
      const cli = (...args: string[]) =>
        spawnSync(
          "timeout",
          ["5", "redis-cli", "-p", String(port), ...args, "--no-auth-warning", "-a", "s3cret-for-tests", "ping"],
          {
            encoding: "utf8",
          },
        );
      const tls = ["--tls", "--cacert", path.join(tlsDir, "ca.crt")];
      for (let i = 0; i < 50 && !/PONG/.test(cli(...tls).stdout); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(cli(...tls).stdout, /PONG/);
      const plain = cli();
      assert.doesNotMatch(plain.stdout + plain.stderr, /PONG|NOAUTH/);
    } finally {
      server.kill("SIGKILL");
    }
  });
});

describe("celeryconfig with TLS", () => {
  const config = parseConfig({ preset: "2GiB", workers: [pool] });
  const plan = planMemory(config);
  const input = { stack: "t", pool: config.workers[0]!, plan: plan.workers[0]!, publishHeadroomBytes: 1 };

  it("verifies Redis against the CA for broker and results; Python compiles it", () => {
    const py = renderCeleryConfig({
      ...input,
      brokerUrl: "rediss://:pw@redis:6379/0",
      tlsCaFile: "/etc/queuekit/redis-ca.crt",
    });
    const options = '{"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": "/etc/queuekit/redis-ca.crt"}';
    assert.ok(py.includes(`broker_use_ssl = ${options}`));
    assert.ok(py.includes(`redis_backend_use_ssl = ${options}`));
    const compiled = spawnSync("python3", ["-c", "import sys, ast; ast.parse(sys.stdin.read())"], { input: py });
    assert.equal(compiled.status, 0, String(compiled.stderr));
  });

  it("without TLS adds nothing; a rediss:// URL without the CA, or a CA without rediss://, is a caller bug", () => {
    assert.doesNotMatch(renderCeleryConfig({ ...input, brokerUrl: "redis://:pw@redis:6379/0" }), /ssl/);
    assert.throws(() => renderCeleryConfig({ ...input, brokerUrl: "rediss://:pw@redis:6379/0" }), /needs the CA/);
    assert.throws(
      () => renderCeleryConfig({ ...input, brokerUrl: "redis://:pw@redis:6379/0", tlsCaFile: "/x" }),
      /not rediss/,
    );
  });
});
