// Two hosts in one stack (issue 15), end to end through the real Pulumi CLI: each "host" is a throw-away dockerd
// (its own data root, socket, bridge) behind its own real sshd on 127.0.0.1 whose sessions point DOCKER_HOST at that
// engine, so the kit prepares each host with VpsHost over SSH and reaches each engine through Docker's ssh://
// transport. Redis on host "a", the pool on both; tasks run on both hosts, and on a when b's worker is killed; destroy
// leaves both hosts' settings and files as found. daemon.json is left alone (manageDaemonJson false): the hosts'
// config has no key for a per-host daemon.json path, and /etc/docker/daemon.json is the shared engine's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { cgroupParentOf, hostPaths } from "../../infra/render/host/paths";
import { isLoopback, isPrivateAddress } from "../../policies/contract/addresses";
import { loadImage, powerCut, startAgain, startTestEngine, type TestEngine } from "./dockerEngine";
import { leftovers, ok, TestStack, testStackName } from "./harness";
import { type Sshd, startSshd } from "./sshd";

// This file's ports (28900–28999): the two sshd and Redis on the private address.
const SSH_PORTS = { a: 28901, b: 28902 } as const;
const REDIS_PORT = 28979;
const WORKER_IMAGE = "queuekit/celery-demo:local";
const REDIS_IMAGE = "queuekit/redis:7-local";
const TIME_LIMIT_S = 5;
type HostName = keyof typeof SSH_PORTS;
const SETTINGS = { a: { swappiness: 7, somaxconn: 4111 }, b: { swappiness: 9, somaxconn: 4222 } } as const;
const HOSTS: HostName[] = ["a", "b"];
/** Different sizes, so each host's cgroup is seen to carry its own host's memory. */
const MEMORY = { a: "2GiB", b: "1GiB" } as const;
const MEMORY_BYTES = { a: 2 * 2 ** 30, b: 2 ** 30 } as const;

interface Outputs {
  workerNodes: string[];
  hostContainers: Record<string, string[]>;
  redisContainer: string;
}

const read = (file: string): string => readFileSync(file, "utf8").trim();
const thp = (f: "enabled" | "defrag"): string =>
  /\[(\w+)\]/.exec(read(`/sys/kernel/mm/transparent_hugepage/${f}`))?.[1] ?? "";
const pause = (s: number) => spawnSync("sleep", [String(s)]);

/** Kernel values both hosts set (one kernel here) and every file whose name carries the stack: as text. */
function machineState(stack: string): Record<string, string> {
  const mine = (dir: string): string =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.includes(stack))
          .sort()
          .join(" ")
      : "";
  return {
    overcommit: read("/proc/sys/vm/overcommit_memory"),
    swappiness: read("/proc/sys/vm/swappiness"),
    somaxconn: read("/proc/sys/net/core/somaxconn"),
    thpEnabled: thp("enabled"),
    thpDefrag: thp("defrag"),
    sysctlD: mine("/etc/sysctl.d"),
    units: mine("/etc/systemd/system"),
    wants: mine("/etc/systemd/system/basic.target.wants"),
    state: mine("/var/lib/queuekit"),
    varLib: String(existsSync("/var/lib/queuekit")),
    cgroups: mine("/sys/fs/cgroup/memory"),
    fstab: read("/etc/fstab")
      .split("\n")
      .filter((l) => l.includes(stack))
      .join("\n"),
  };
}

/**
 * Where "host a" publishes Redis to "host b": docker0's address, private, local to this machine whether its link is up
 * or not, and owned by the shared engine (not by a test engine that may go away under another test).
 */
function privateAddress(): string {
  const r = spawnSync("ip", ["-4", "-o", "addr", "show", "dev", "docker0"], { encoding: "utf8" });
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(r.stdout)?.[1];
  if (!address || !isPrivateAddress(address) || isLoopback(address))
    throw new Error(`docker0 has no private IPv4 address (ip: ${r.stdout}${r.stderr}): the test needs one for Redis`);
  return address;
}

/** Python (Debian's python3-celery) with a JSON request on stdin; its stdout is JSON. */
function python<T>(script: string, request: object, timeoutMs = 400_000): T {
  const r = spawnSync("/usr/bin/python3", ["-c", script], {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (r.status !== 0) throw new Error(`python exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const CLIENT = `
import json, ssl, sys, time
import redis
from celery import Celery
req = json.load(sys.stdin)
ca = req.get("ca")  # redis.tls: verify Redis against the stack's CA
app = Celery("client", broker=req["broker"])
app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True)
if ca:
    app.conf.broker_use_ssl = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": ca}
op = req["op"]
if op == "send":
    for t in req["tokens"]:
        app.send_task("demo.heavy", kwargs={"token": t, "ledger": req["ledger"], "mib": 1, "hold_seconds": req["hold"]})
    json.dump(len(req["tokens"]), sys.stdout)
elif op == "stats":
    stats = app.control.inspect(timeout=5).stats() or {}
    json.dump({n: s.get("total", {}).get("demo.heavy", 0) for n, s in stats.items()}, sys.stdout)
elif op == "wait":
    r = redis.Redis.from_url(req["broker"], **({"ssl_ca_certs": ca} if ca else {}))
    deadline = time.monotonic() + req["timeout"]
    settle = None
    while time.monotonic() < deadline:
        counts = r.hmget("queuekit:ledger", req["tokens"])
        if all(c is not None for c in counts):
            settle = settle or time.monotonic() + req["settle"]
            if time.monotonic() >= settle:
                break
        time.sleep(0.25)
    counts = r.hmget("queuekit:ledger", req["tokens"])
    json.dump({t: int(c or 0) for t, c in zip(req["tokens"], counts)}, sys.stdout)
`;

describe("two hosts in one stack: two engines behind two sshd, Redis on one, the pool on both", () => {
  const name = testStackName("twohosts");
  const engines: Partial<Record<HostName, TestEngine>> = {};
  const sshds: Partial<Record<HostName, Sshd>> = {};
  let stack: TestStack | undefined;
  let knownHostsDir: string;
  let found: Record<string, string>;
  let out: Outputs;
  let broker: string;
  /** With redis.tls: the CA file the test's client verifies Redis with, and the ledger URL the workers write to. */
  let ca: string | undefined;
  let ledger: string;
  const password = `e2e-${process.pid}-${"7c1f".repeat(6)}`;
  const address = privateAddress();
  const forwardRules: string[][] = [];
  /** FORWARD accept for traffic within the bridge of the stack's network on `engine`, removed in after(). */
  const openBridge = (engine: TestEngine): void => {
    const id = engine.docker(["network", "inspect", "--format", "{{.Id}}", `qk-${name}`]).stdout.trim();
    assert.ok(id, `network qk-${name} on ${engine.dir}`);
    const bridge = `br-${id.slice(0, 12)}`;
    const rule = ["-i", bridge, "-o", bridge, "-j", "ACCEPT"];
    const r = spawnSync("iptables", ["-I", "FORWARD", ...rule], { encoding: "utf8" });
    assert.equal(r.status, 0, `iptables: ${r.stderr}`);
    forwardRules.push(rule);
  };

  const send = (prefix: string, n: number, hold: number): string[] => {
    const tokens = [...Array(n).keys()].map((i) => `${prefix}-${process.pid}-${i}`);
    python(CLIENT, { op: "send", broker, ca, ledger, tokens, hold });
    return tokens;
  };
  const wait = (tokens: string[], timeout: number): Record<string, number> =>
    python(CLIENT, { op: "wait", broker, ca, tokens, timeout, settle: 5 });
  const stats = (): Record<string, number> => python(CLIENT, { op: "stats", broker, ca });
  /** Celery node names by host: the stack output's nodes whose container runs there. */
  const nodesOn = (host: HostName): string[] =>
    out.workerNodes.filter((n) => out.hostContainers[host]!.some((c) => n.endsWith(`@${c}`)));
  const perHost = (s: Record<string, number>) =>
    Object.fromEntries(HOSTS.map((h) => [h, nodesOn(h).reduce((sum, n) => sum + (s[n] ?? 0), 0)])) as Record<
      HostName,
      number
    >;
  const figures = (counts: Record<string, number>) => {
    const runs = Object.values(counts);
    return {
      queued: runs.length,
      completed: runs.filter((c) => c > 0).length,
      lost: runs.filter((c) => c === 0).length,
      twice: runs.filter((c) => c > 1).length,
    };
  };

  before(async () => {
    console.log(`# pulumi CLI: ${ok("pulumi version").stdout.trim()}; private address of "host a": ${address}`);
    found = machineState(name);
    for (const h of HOSTS)
      for (const [key, value] of [
        ["swappiness", SETTINGS[h].swappiness],
        ["somaxconn", SETTINGS[h].somaxconn],
      ] as const)
        assert.notEqual(found[key], String(value), `${key} is ${value} already: destroy's restore would prove nothing`);
    for (const h of HOSTS) {
      const engine = await startTestEngine("{}\n");
      engines[h] = engine;
      loadImage(engine, WORKER_IMAGE);
    }
    loadImage(engines.a!, REDIS_IMAGE);
    sshds.a = await startSshd({ port: SSH_PORTS.a, environment: { DOCKER_HOST: engines.a!.host } });
    sshds.b = await startSshd({
      port: SSH_PORTS.b,
      clientKeyFrom: sshds.a.privateKeyPath,
      environment: { DOCKER_HOST: engines.b!.host },
    });
    for (const h of HOSTS) {
      const info = sshds[h]!.ssh("docker info --format '{{.DockerRootDir}}'");
      assert.equal(info.code, 0, info.stderr);
      assert.ok(info.stdout.trim().startsWith(engines[h]!.dir), `host ${h}'s sessions reach its own engine`);
    }
    knownHostsDir = mkdtempSync(path.join(tmpdir(), "qk-known-hosts-"));
    const connection = (h: HostName) => ({
      kind: "ssh",
      host: "127.0.0.1",
      port: SSH_PORTS[h],
      user: "root",
      sshOptions: [
        "-i",
        sshds.a!.privateKeyPath,
        "-o",
        `UserKnownHostsFile=${path.join(knownHostsDir, "known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=accept-new",
      ],
    });
    stack = new TestStack(name, "Pulumi.local.yaml", (yaml) => {
      const doc = parse(yaml) as { config: Record<string, unknown> };
      const c = doc.config;
      delete c["queuekit:host"];
      delete c["queuekit:preset"]; // a preset sets host: several hosts are written out
      delete c["queuekit:monitoring"]; // the exporter would need its image on host a too; not what this test is about
      c["queuekit:hosts"] = HOSTS.map((h) => ({
        name: h,
        // Both "hosts" are this machine: b reaches a's Redis at this machine's private address.
        privateAddress: address,
        memory: MEMORY[h],
        cpus: 2,
        // Each "host" is carved out of this machine by its own parent memory cgroup of its planned size.
        emulate: true,
        manageDaemonJson: false,
        // Other values than this machine's (and than each other's): destroy has something to put back. THP stays at
        // the kit's "never": other tests on this machine read it, and it has no per-host file to tell apart.
        sysctl: { swappiness: SETTINGS[h].swappiness, somaxconn: SETTINGS[h].somaxconn },
        connection: connection(h),
      }));
      c["queuekit:placement"] = { redis: "a", beat: "a", workers: { default: ["a", "b"] } };
      c["queuekit:redis"] = { image: REDIS_IMAGE, port: REDIS_PORT, activeDefrag: false };
      c["queuekit:workers"] = [
        {
          name: "default",
          image: WORKER_IMAGE,
          app: "demo",
          queues: ["celery"],
          replicas: 2,
          concurrency: 2,
          timeLimit: TIME_LIMIT_S,
        },
      ];
      return stringify(doc);
    });
    const secretFile = path.join(tmpdir(), `qk-e2e-twohosts-password-${process.pid}`);
    writeFileSync(secretFile, password, { mode: 0o600 });
    for (const [key, file] of [
      ["queuekit:sshPrivateKey", sshds.a.privateKeyPath],
      ["queuekit:redisPassword", secretFile],
    ]) {
      const r = stack.pulumi(`config set --secret ${key} < ${file}`);
      assert.equal(r.code, 0, r.stderr);
    }
    rmSync(secretFile);
    broker = `redis://:${password}@${address}:${REDIS_PORT}/0`;
    ledger = broker;
  });

  after(async () => {
    for (const rule of forwardRules.splice(0)) spawnSync("iptables", ["-D", "FORWARD", ...rule]);
    stack?.dispose();
    await sshds.b?.stop(); // b uses a's client key: a's directory goes last
    await sshds.a?.stop();
    for (const h of HOSTS) await engines[h]?.stop();
    if (knownHostsDir) rmSync(knownHostsDir, { recursive: true, force: true });
  });

  it("pulumi up prepares both hosts over ssh, each with its own paths, and deploys Redis on a, the pool on both", () => {
    const up = stack!.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up, two hosts (create): ${up.seconds.toFixed(1)} s`);
    out = JSON.parse(stack!.pulumi("stack output --json --show-secrets").stdout) as Outputs;
    const names = (h: HostName) =>
      engines[h]!.docker(["ps", "--filter", `label=queuekit.stack=${name}`, "--format", "{{.Names}}"])
        .stdout.split("\n")
        .filter(Boolean)
        .sort();
    assert.deepEqual(names("a"), [out.redisContainer, ...out.hostContainers["a"]!].sort());
    assert.deepEqual(names("b"), [...out.hostContainers["b"]!].sort());
    assert.equal(out.hostContainers["a"]!.length, 1);
    assert.equal(out.hostContainers["b"]!.length, 1);
    assert.deepEqual(leftovers(name), [], "nothing on the shared engine");
    // Containers on one test engine's network talk through its bridge, which this machine's netfilter sees
    // (bridge-nf-call-iptables) and the shared engine's FORWARD policy drops: a test engine runs without iptables so
    // as not to touch the shared engine's rules, so the test opens that one bridge itself (a real host's engine does).
    for (const h of HOSTS) openBridge(engines[h]!);
    // Each host's own drop-in and record: a keeps the one-host paths, b's carry its name.
    for (const paths of [hostPaths(name), hostPaths(name, "b")]) {
      assert.ok(existsSync(paths.sysctl), paths.sysctl);
      assert.ok(existsSync(`${paths.state}/sysctl.prev`), `${paths.state}/sysctl.prev`);
    }
    // Each host's containers in its own parent memory cgroup, limited to that host's memory.
    for (const h of HOSTS) {
      const parent = cgroupParentOf(name, h === "a" ? undefined : h);
      const limit = read(`/sys/fs/cgroup/memory${parent}/memory.limit_in_bytes`);
      assert.equal(Number(limit), MEMORY_BYTES[h], `host ${h}: ${parent}`);
      const mine = h === "a" ? [out.redisContainer, ...out.hostContainers.a!] : out.hostContainers.b!;
      for (const c of mine) {
        const got = engines[h]!.docker(["inspect", "--format", "{{.HostConfig.CgroupParent}} {{.State.Pid}}", c]);
        const [cgroupParent, pid] = got.stdout.trim().split(" ");
        assert.equal(cgroupParent, parent, `${c} on host ${h}`);
        assert.match(read(`/proc/${pid}/cgroup`), new RegExp(`:memory:${parent}/`), `${c}'s process in ${parent}`);
      }
      console.log(`# host ${h}: ${mine.length} container(s) in ${parent}, memory.limit_in_bytes ${limit}`);
    }
    // One kernel for both "hosts": b is prepared after a (it waits for Redis), so b's values are in force.
    assert.equal(read("/proc/sys/vm/overcommit_memory"), "1");
    assert.equal(read("/proc/sys/vm/swappiness"), String(SETTINGS.b.swappiness));
    assert.equal(read("/proc/sys/net/core/somaxconn"), String(SETTINGS.b.somaxconn));
  });

  it("tasks sent to the one Redis run on both hosts: a's worker beside Redis, b's at a's private address", () => {
    for (const h of HOSTS) waitForNode(nodesOn(h)[0]!);
    const before = stats();
    const tokens = send("both", 60, 0.2);
    const counts = wait(tokens, 180);
    const ran = perHost(diff(stats(), before));
    const f = figures(counts);
    console.log(
      `# two hosts: queued ${f.queued}, completed ${f.completed}, lost ${f.lost}, executed twice ${f.twice}; ` +
        `per host: a ${ran.a} (${nodesOn("a").join(", ")}), b ${ran.b} (${nodesOn("b").join(", ")})`,
    );
    assert.equal(f.lost, 0);
    assert.equal(f.twice, 0);
    assert.ok(ran.a > 0 && ran.b > 0, `both hosts ran tasks: ${JSON.stringify(ran)}`);
  });

  it("host b powered off mid-burst (its engine, containerd and worker killed at once): nothing lost, its held tasks run on host a; b comes back", async () => {
    const [workerB] = out.hostContainers["b"]!;
    const inspected = engines.b!.docker(["inspect", "--format", "{{json .Args}} {{.State.Pid}}", workerB!]).stdout;
    const [argsJson, pid] = inspected.trim().split(" ");
    const args = JSON.parse(argsJson!) as string[];
    const held =
      Number(args[args.indexOf("--concurrency") + 1]) * Number(args[args.indexOf("--prefetch-multiplier") + 1]);
    const before = stats();
    const tokens = send("loss", 60, 0.5);
    pause(3);
    // A power cut: no warm shutdown, what b held stays unacked until the visibility timeout (2 × time limit + 30 s).
    const argv = await powerCut(engines.b!, [Number(pid)]);
    const killedAt = Date.now();
    const counts = wait(tokens, 240);
    const ran = perHost(diff(stats(), before));
    const f = figures(counts);
    console.log(
      `# host b powered off 3 s into 60 tasks of 0.5 s: queued ${f.queued}, completed ${f.completed}, lost ${f.lost}, ` +
        `executed twice ${f.twice} (b held ${held}); per host after the cut: a ${ran.a}, b (its counters gone with it); ` +
        `all done ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the cut`,
    );
    assert.equal(f.lost, 0, "every task ran");
    assert.ok(f.twice <= held, `executed twice ${f.twice} ≤ ${held} held by b`);
    assert.ok(ran.a > 0, "host a ran the rest");
    // Host b boots: its engine starts its worker again (restart unless-stopped), in its own cgroup, and it consumes.
    const bootAt = Date.now();
    await startAgain(engines.b!, argv);
    waitForNode(nodesOn("b")[0]!);
    const parent = engines.b!.docker(["inspect", "--format", "{{.HostConfig.CgroupParent}}", workerB!]).stdout.trim();
    assert.equal(parent, cgroupParentOf(name, "b"));
    console.log(
      `# host b back: its worker answers ${((Date.now() - bootAt) / 1000).toFixed(1)} s after its engine started`,
    );
  });

  it("redis.tls switched on: Redis and both hosts' pools move to TLS; tasks run on both over rediss:// at a's private address", () => {
    const set = stack!.pulumi("config set --path queuekit:redis.tls true");
    assert.equal(set.code, 0, set.stderr);
    const up = stack!.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up, redis.tls on across two hosts: ${up.seconds.toFixed(1)} s`);
    ca = path.join(knownHostsDir, "redis-ca.crt");
    const pem = engines.a!.docker(["exec", out.redisContainer, "cat", "/usr/local/etc/redis/tls/ca.crt"]);
    assert.equal(pem.code, 0, pem.stderr);
    writeFileSync(ca, pem.stdout);
    broker = `rediss://:${password}@${address}:${REDIS_PORT}/0`;
    // The workers' own copy of the CA (beside their celeryconfig) for the ledger writes the tasks make.
    ledger = `${broker}?ssl_ca_certs=/etc/queuekit/redis-ca.crt`;
    const plain = spawnSync(
      "redis-cli",
      ["-h", address, "-p", String(REDIS_PORT), "--no-auth-warning", "-a", password, "ping"],
      {
        encoding: "utf8",
        timeout: 15_000,
      },
    );
    assert.doesNotMatch(plain.stdout, /PONG/, "plain text refused at the private address");
    for (const h of HOSTS) waitForNode(nodesOn(h)[0]!);
    const before = stats();
    const tokens = send("tls", 40, 0.2);
    const counts = wait(tokens, 180);
    const ran = perHost(diff(stats(), before));
    const f = figures(counts);
    console.log(
      `# two hosts over TLS: queued ${f.queued}, completed ${f.completed}, lost ${f.lost}, executed twice ${f.twice}; ` +
        `per host: a ${ran.a}, b ${ran.b}; plain text at ${address}:${REDIS_PORT}: ${JSON.stringify((plain.stdout + plain.stderr).trim())}`,
    );
    assert.equal(f.lost, 0);
    assert.equal(f.twice, 0);
    assert.ok(ran.a > 0 && ran.b > 0, `both hosts ran tasks over TLS: ${JSON.stringify(ran)}`);
  });

  it("pulumi destroy empties both engines and leaves both hosts' settings and files as found", () => {
    const down = stack!.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    for (const h of HOSTS) {
      const left = engines[h]!.docker(["ps", "-aq", "--filter", `label=queuekit.stack=${name}`]).stdout.trim();
      assert.equal(left, "", `host ${h}: no container of the stack left`);
    }
    const now = machineState(name);
    console.log(`# after destroy, as found: ${JSON.stringify(now) === JSON.stringify(found)} ${JSON.stringify(now)}`);
    assert.deepEqual(now, found);
  });

  /** Until the node answers `inspect stats` (it starts after Redis answers). */
  function waitForNode(node: string): void {
    for (let i = 0; i < 90; i++) {
      if (node in stats()) return;
      pause(1);
    }
    assert.fail(`celery node ${node} never answered`);
  }
});

const diff = (now: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(now).map(([n, c]) => [n, c - (before[n] ?? 0)]));
