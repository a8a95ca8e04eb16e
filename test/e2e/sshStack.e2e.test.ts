// The whole kit over SSH, as on a real VPS: the real CLI prepares the host through a real sshd on 127.0.0.1
// (key-only), then the docker provider deploys Redis and a worker pool through Docker's ssh:// transport
// (`ssh … docker system dial-stdio`), and a task runs. daemon.json is left alone (host.manageDaemonJson false):
// the "VPS" is this machine, and its shared engine must not be restarted under the other tests.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { inspect, leftovers, ok, sh, TestStack, testStackName } from "./harness";
import { type Sshd, startSshd } from "./sshd";

const overcommit = (): string => readFileSync("/proc/sys/vm/overcommit_memory", "utf8").trim();

interface Outputs {
  memoryPlan: {
    redis: { limit: { bytes: number } };
    workers: { name: string; limit: { bytes: number } }[];
  };
  redisContainer: string;
  workerContainers: string[];
}

describe("the kit over SSH: host prepared, then Redis and workers through Docker's ssh:// transport", () => {
  const name = testStackName("ssh");
  let sshd: Sshd;
  let stack: TestStack;
  let outputs: Outputs;
  let overcommitBefore: string;
  let knownHostsDir: string;
  const sshClientLog = (): string => path.join(knownHostsDir, "ssh-client.log");

  before(async () => {
    console.log(`# pulumi CLI: ${ok("pulumi version").stdout.trim()}`);
    overcommitBefore = overcommit();
    sshd = await startSshd();
    knownHostsDir = mkdtempSync(path.join(tmpdir(), "qk-known-hosts-"));
    stack = new TestStack(name, "Pulumi.local.yaml", (yaml) => {
      const doc = parse(yaml) as { config: Record<string, Record<string, unknown>> };
      const host = doc.config["queuekit:host"]!;
      delete host["emulate"]; // a real VPS is its own memory limit: emulation is for the local target only
      host["manageDaemonJson"] = false;
      host["connection"] = {
        kind: "ssh",
        host: "127.0.0.1",
        port: sshd.port,
        user: "root",
        // What a user gives for their VPS key; the throw-away known-hosts file keeps ~/.ssh untouched.
        sshOptions: [
          "-i",
          sshd.privateKeyPath,
          "-o",
          `UserKnownHostsFile=${path.join(knownHostsDir, "known_hosts")}`,
          "-o",
          "StrictHostKeyChecking=accept-new",
          // The ssh client's own log: proof of what the docker provider ran through sshd.
          "-v",
          "-E",
          sshClientLog(),
        ],
      };
      // Beside `npm run up`'s ports (16379, 19121) and the local e2e's (26379, 29121).
      doc.config["queuekit:redis"]!["port"] = 36379;
      doc.config["queuekit:monitoring"]!["port"] = 39121;
      return stringify(doc);
    });
    const key = stack.pulumi(`config set --secret queuekit:sshPrivateKey < ${sshd.privateKeyPath}`);
    assert.equal(key.code, 0, key.stderr);
  });

  after(async () => {
    stack?.dispose();
    await sshd?.stop();
    if (knownHostsDir) rmSync(knownHostsDir, { recursive: true, force: true });
  });

  it("pulumi up prepares the host, then creates Redis and the workers with the planned limits", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up over ssh (create): ${up.seconds.toFixed(1)} s`);
    outputs = JSON.parse(stack.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    assert.equal(overcommit(), "1", "the sysctl step ran over ssh");

    const limits = (c: string): number[] => {
      const h = inspect<{ HostConfig: { Memory: number; MemorySwap: number } }>(c).HostConfig;
      return [h.Memory, h.MemorySwap];
    };
    const redis = outputs.memoryPlan.redis.limit.bytes;
    assert.deepEqual(limits(outputs.redisContainer), [redis, redis]);
    const pool = outputs.memoryPlan.workers[0]!.limit.bytes;
    assert.ok(outputs.workerContainers.length > 0);
    for (const c of outputs.workerContainers) assert.deepEqual(limits(c), [pool, pool]);
  });

  it("the docker provider reached the engine over ssh://, through the test's sshd", () => {
    const client = readFileSync(sshClientLog(), "utf8");
    assert.match(client, new RegExp(`Authenticated to 127\\.0\\.0\\.1 \\(\\[127\\.0\\.0\\.1\\]:${sshd.port}\\)`));
    assert.match(client, /Sending command: docker system dial-stdio/);
    const exported = JSON.parse(stack.pulumi("stack export").stdout) as {
      deployment: { resources: { type: string; inputs?: { host?: string } }[] };
    };
    const provider = exported.deployment.resources.find((r) => r.type === "pulumi:providers:docker");
    assert.equal(provider?.inputs?.host, `ssh://root@127.0.0.1:${sshd.port}`);
    assert.match(sshd.log(), /Accepted publickey for root/);
  });

  it("a task runs on the deployed worker", async () => {
    const worker = outputs.workerContainers[0]!;
    let result = "";
    // The worker connects to Redis a moment after its container starts.
    for (let i = 0; i < 30 && result !== "5"; i++) {
      const r = sh(`docker exec ${worker} python3 -c "from demo import add; print(add.delay(2, 3).get(timeout=10))"`);
      result = r.stdout.trim();
      if (result !== "5") await new Promise((done) => setTimeout(done, 1000));
    }
    assert.equal(result, "5");
  });

  it("a second pulumi up reports no changes", () => {
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    console.log(`# pulumi up over ssh (no changes): ${again.seconds.toFixed(1)} s`);
  });

  it("pulumi destroy removes the containers over ssh and restores the host", () => {
    const down = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(leftovers(name), []);
    assert.equal(overcommit(), overcommitBefore, "destroy restored vm.overcommit_memory");
  });
});
