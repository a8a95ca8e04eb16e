// VpsHost through the real Pulumi CLI and command provider, over SSH to a real sshd on 127.0.0.1 that logs in
// as root on this machine: the kernel settings are real, so the test records them first and checks that
// `destroy` puts every one back. daemon.json belongs to a throw-away second dockerd (test/e2e/dockerEngine.ts):
// the kit restarts the engine whose file it changes, and the shared engine must not be restarted under others.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { renderDaemonJson, renderSysctlDropIn } from "../../infra/render/host/files";
import { hostPaths } from "../../infra/render/host/paths";
import { renderHostSteps } from "../../infra/render/host/steps";
import { loadImage, startTestEngine, type TestEngine } from "./dockerEngine";
import { ok, sh, TestStack, testStackName } from "./harness";
import { freePort, type PreparedSshd, prepareSshd, type Sshd, startSshd } from "./sshd";

const PROGRAM = "examples/vps-host";
const TEMPLATE = `${PROGRAM}/Pulumi.example.yaml`;
const REDIS_IMAGE = "queuekit/redis:7-local";
const ORIGINAL_DAEMON_JSON = '{\n  "debug": false\n}\n';
const MiB = 2 ** 20;
// The schema's somaxconn default when none is set: never below the kernel's own 4096 (Linux ≥ 5.4).
const SOMAXCONN = 4096;

const read = (file: string): string => readFileSync(file, "utf8").trim();
const thp = (f: "enabled" | "defrag"): string =>
  /\[(\w+)\]/.exec(read(`/sys/kernel/mm/transparent_hugepage/${f}`))?.[1] ?? "";

/**
 * Everything this stack may touch on this machine, as text: equal before and after means it was left as found. Files
 * are this stack's only: a stack deployed or tested beside it on the same machine has its own.
 */
function machineState(stack: string): Record<string, string> {
  const paths = hostPaths(stack);
  const mine = (dir: string): string =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.includes(stack))
          .sort()
          .join(" ")
      : "";
  const lines = (file: string): string =>
    read(file)
      .split("\n")
      .filter((l) => l.includes(stack))
      .join("\n");
  return {
    overcommit: read("/proc/sys/vm/overcommit_memory"),
    swappiness: read("/proc/sys/vm/swappiness"),
    somaxconn: read("/proc/sys/net/core/somaxconn"),
    thpEnabled: thp("enabled"),
    thpDefrag: thp("defrag"),
    sysctlD: mine("/etc/sysctl.d"),
    units: mine("/etc/systemd/system"),
    wants: mine("/etc/systemd/system/basic.target.wants"),
    fstab: lines("/etc/fstab"),
    swaps: lines("/proc/swaps"),
    state: String(existsSync(paths.state)),
    varLib: String(existsSync(path.dirname(paths.state))),
  };
}

/** Overcommit / THP warnings of a Redis started now on `engine` (it logs them at start-up). */
async function redisWarnings(engine: TestEngine): Promise<string[]> {
  const name = `qk-e2e-redis-${process.pid}`;
  const run = engine.docker([
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "none",
    REDIS_IMAGE,
    "redis-server",
    "--save",
    "",
  ]);
  assert.equal(run.code, 0, run.stderr);
  let logs = "";
  for (let i = 0; i < 50 && !/Ready to accept connections/.test(logs); i++) {
    await new Promise((r) => setTimeout(r, 200));
    const l = engine.docker(["logs", name]);
    logs = l.stdout + l.stderr;
  }
  engine.docker(["rm", "-f", name]);
  assert.match(logs, /Ready to accept connections/, logs);
  return logs.split("\n").filter((l) => /overcommit_memory|Transparent Huge Pages|THP/i.test(l));
}

function stackYaml(yaml: string, host: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const doc = parse(yaml) as { config: Record<string, unknown> };
  const base = doc.config["queuekit:host"] as Record<string, unknown>;
  doc.config["queuekit:host"] = { ...base, ...host };
  Object.assign(doc.config, extra);
  return stringify(doc);
}

function setSecrets(stack: TestStack, privateKeyPath: string): void {
  const secretFile = path.join(tmpdir(), `qk-e2e-redis-password-${process.pid}`);
  writeFileSync(secretFile, "e2e-only-password", { mode: 0o600 });
  for (const [key, file] of [
    ["queuekit:sshPrivateKey", privateKeyPath],
    ["queuekit:redisPassword", secretFile],
  ]) {
    const r = stack.pulumi(`config set --secret ${key} < ${file}`);
    assert.equal(r.code, 0, r.stderr);
  }
  rmSync(secretFile);
}

describe("VpsHost over SSH to a real sshd, end to end", () => {
  const name = testStackName("vps");
  let sshd: Sshd;
  let engine: TestEngine;
  let stack: TestStack;
  let found: Record<string, string>;
  let enginePidBefore: number;
  let keepAlive: string;

  before(async () => {
    console.log(`# pulumi CLI: ${ok("pulumi version").stdout.trim()}`);
    found = machineState(name);
    sshd = await startSshd();
    engine = await startTestEngine(ORIGINAL_DAEMON_JSON);
    loadImage(engine, REDIS_IMAGE);
    // A container that must survive the engine restart (live-restore is switched on before it).
    const run = engine.docker(["run", "-d", "--network", "none", REDIS_IMAGE, "redis-server", "--save", ""]);
    assert.equal(run.code, 0, run.stderr);
    keepAlive = run.stdout.trim();
    enginePidBefore = engine.pid();
    stack = new TestStack(
      name,
      TEMPLATE,
      (yaml) =>
        stackYaml(
          yaml,
          {
            connection: { kind: "ssh", host: "127.0.0.1", port: sshd.port, user: "root" },
            swapFile: "64MiB",
          },
          { "vps-host:docker": { manage: true, configFile: engine.configFile, restart: "auto" } },
        ),
      PROGRAM,
    );
    setSecrets(stack, sshd.privateKeyPath);
  });

  after(async () => {
    stack?.dispose();
    await engine?.stop();
    await sshd?.stop();
  });

  it("before: a Redis started on this host warns about overcommit exactly when the machine has it at 0", async () => {
    // At 1 already (a stack deployed on this machine set it), the same probe must show no warning.
    const warnings = await redisWarnings(engine);
    assert.equal(
      warnings.some((w) => /overcommit_memory/.test(w)),
      found.overcommit === "0",
      `vm.overcommit_memory was ${found.overcommit}; Redis logged: ${warnings.join(" | ") || "nothing"}`,
    );
  });

  it("pulumi up prepares the host over SSH: sysctl, THP, swap, daemon.json, each read back", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(`# pulumi up (create): ${up.seconds.toFixed(1)} s`);
    const paths = hostPaths(name);

    assert.equal(read("/proc/sys/vm/overcommit_memory"), "1");
    assert.equal(read("/proc/sys/vm/swappiness"), "1");
    assert.equal(Number(read("/proc/sys/net/core/somaxconn")), SOMAXCONN);
    assert.equal(thp("enabled"), "never");
    assert.equal(thp("defrag"), "never");
    assert.equal(
      readFileSync(paths.sysctl, "utf8"),
      renderSysctlDropIn({
        stack: name,
        host: { sysctl: { overcommitMemory: 1, swappiness: 1, somaxconn: SOMAXCONN } } as never,
        redisTcpBacklog: 511,
      }),
    );
    assert.ok(existsSync(`/etc/systemd/system/basic.target.wants/queuekit-thp-${name}.service`), "THP unit enabled");
    const swap = read("/proc/swaps")
      .split("\n")
      .find((l) => l.startsWith(paths.swapFile));
    assert.ok(swap, "swap file active");
    assert.equal(Number(swap.split(/\s+/)[2]) * 1024 + 4096, 64 * MiB, "64 MiB, less its header page");

    assert.equal(readFileSync(engine.configFile, "utf8"), renderDaemonJson(), "daemon.json as rendered");
    assert.notEqual(engine.pid(), enginePidBefore, "the engine was restarted for its new daemon.json");
    assert.equal(
      engine.docker(["info", "--format", "{{.LiveRestoreEnabled}} {{.LoggingDriver}}"]).stdout.trim(),
      "true json-file",
    );
    const alive = engine.docker(["inspect", "--format", "{{.State.Running}} {{.RestartCount}}", keepAlive]);
    assert.equal(alive.stdout.trim(), "true 0", "a running container survived the restart");

    const outputs = JSON.parse(stack.pulumi("stack output --json").stdout) as { steps: Record<string, string> };
    assert.match(outputs.steps.sysctl, /vm\.overcommit_memory = 1/);
    assert.match(outputs.steps.thp, /transparent_hugepage\/enabled = never/);
  });

  it("keeps the SSH private key out of the output and of the state in clear text", () => {
    const keyBody = sshd.privateKey
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .join("");
    const exported = stack.pulumi("stack export").stdout;
    const output = stack.pulumi("stack output --json").stdout;
    const history = stack.pulumi("history --json").stdout;
    for (const line of sshd.privateKey.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) {
      for (const [what, text] of [
        ["state", exported],
        ["outputs", output],
        ["history", history],
      ]) {
        assert.ok(!text.includes(line), `a line of the private key is in the ${what}`);
      }
    }
    assert.ok(!exported.replace(/\s/g, "").includes(keyBody.slice(0, 40)));
    const vps = (
      JSON.parse(exported) as {
        deployment: {
          resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
        };
      }
    ).deployment.resources.find((r) => r.type === "queuekit:host:VpsHost");
    assert.ok(vps, "the component is in the state");
    for (const props of [vps.inputs, vps.outputs]) {
      assert.equal(props?.memoryBytes, 2048 * MiB, "summary for the policy pack: inputs and outputs");
      assert.deepEqual(props?.sysctl, { overcommitMemory: 1, swappiness: 1, somaxconn: SOMAXCONN });
    }
  });

  it("a second pulumi up reports no changes and runs no command", () => {
    const pid = engine.pid();
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /\b(created|updated|replaced|deleted)\b/);
    assert.doesNotMatch(again.stdout, /^\s*(sysctl|thp|swap|boot|docker-daemon): /m, "no step printed anything");
    assert.equal(engine.pid(), pid, "engine not restarted");
    console.log(`# pulumi up (no changes): ${again.seconds.toFixed(1)} s`);
  });

  it("a changed swappiness reruns only the sysctl step (no engine restart, the first record kept)", () => {
    const pid = engine.pid();
    const set = stack.pulumi("config set --path queuekit:host.sysctl.swappiness 10");
    assert.equal(set.code, 0, set.stderr);
    const preview = stack.pulumi("preview --json");
    assert.equal(preview.code, 0, preview.stderr);
    const changed = (JSON.parse(preview.stdout) as { steps: { op: string; urn: string }[] }).steps
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    assert.ok(
      changed.every((c) => /host-sysctl$|\bhost$/.test(c)),
      `only the sysctl command (and the component's summary) change: ${changed}`,
    );
    assert.ok(
      changed.some((c) => /^(replace|create-replacement) host-sysctl$/.test(c)),
      `${changed}`,
    );

    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.equal(read("/proc/sys/vm/swappiness"), "10");
    assert.equal(engine.pid(), pid, "engine not restarted");
    assert.match(up.stdout, /a newer version of this step owns/, "the replaced version reverted nothing");
    const record = readFileSync(`${hostPaths(name).state}/sysctl.prev`, "utf8");
    assert.match(record, new RegExp(`^vm\\.swappiness=${found.swappiness}$`, "m"), "the value from before queuekit");
  });

  it("a Redis started on the prepared host logs no overcommit or THP warning", async () => {
    assert.deepEqual(await redisWarnings(engine), []);
  });

  it("pulumi destroy restores the earlier values, the earlier daemon.json and leaves nothing behind", () => {
    const down = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(machineState(name), found);
    assert.equal(readFileSync(engine.configFile, "utf8"), ORIGINAL_DAEMON_JSON);
    assert.equal(engine.docker(["info", "--format", "{{.LiveRestoreEnabled}}"]).stdout.trim(), "false");
    assert.deepEqual(
      stack.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
  });
});

describe("VpsHost failures name the host and the step", () => {
  const name = testStackName("vpsfail");
  let stack: TestStack;
  let booting: PreparedSshd;
  let found: Record<string, string>;

  before(async () => {
    found = machineState(name);
    const closed = await freePort();
    stack = new TestStack(
      name,
      TEMPLATE,
      (yaml) =>
        stackYaml(
          yaml,
          // More RAM than this machine has: the boot step must refuse it.
          { memory: "1024GiB", connection: { kind: "ssh", host: "127.0.0.1", port: closed, user: "root" } },
          { "vps-host:dialErrorLimit": 2, "vps-host:docker": { manage: false } },
        ),
      PROGRAM,
    );
    // The key of the sshd that starts later: generated now, so the stack can be configured now.
    booting = await prepareSshd();
    setSecrets(stack, booting.privateKeyPath);
  });

  after(async () => {
    stack?.dispose();
    await booting?.stop();
  });

  it("an unreachable host: the error names the host and the step", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.notEqual(up.code, 0);
    const text = up.stdout + up.stderr;
    assert.match(text, /host-boot/);
    assert.match(text, /Dial 127\.0\.0\.1:\d+: after 2 failed attempts \(dialErrorLimit 2\)/);
    console.log(`# ${/error: Dial .*failed attempts.*/.exec(text)?.[0]}`);
  });

  it("a host still booting is retried with backoff; a failing command names the step and the host", async () => {
    assert.equal(stack.pulumi(`config set --path queuekit:host.connection.port ${booting.port}`).code, 0);
    assert.equal(stack.pulumi("config set vps-host:dialErrorLimit 30").code, 0);
    // Long enough that the first attempts fail even when the CLI is slow to start on a loaded machine.
    await booting.start({ delayMs: 20000 });
    const up = stack.pulumi("up --yes --skip-preview");
    assert.notEqual(up.code, 0, "1024 GiB is more than this machine has");
    const text = up.stdout + up.stderr;
    // The command plugin's retries (its backoff is unit-tested in toolchain/command-provider/remote).
    assert.match(text, /Dial 127\.0\.0\.1:\d+ 1\/30 failed: retrying/);
    assert.match(
      text,
      new RegExp(`queuekit: step "boot" on root@127\\.0\\.0\\.1:${booting.port} failed: host\\.memory is 1048576 MiB`),
    );
    assert.match(text, /host-boot/);
    console.log(`# ${/Dial .* failed: retrying/.exec(text)?.[0]}`);
    console.log(`# ${/queuekit: step "boot" on .*/.exec(text)?.[0]}`);
    assert.deepEqual(machineState(name), found, "nothing after the failed step ran");
  });
});

describe("VpsHost on this machine (local target emulating a 2 GiB host)", () => {
  const name = testStackName("vpslocal");
  const cgroup = hostPaths(name).cgroup;
  let stack: TestStack;
  let found: Record<string, string>;

  before(() => {
    found = machineState(name);
    stack = new TestStack(
      name,
      TEMPLATE,
      (yaml) =>
        // daemon.json stays alone here: this is the shared engine (the SSH suite covers that step).
        stackYaml(yaml, { connection: { kind: "local" }, emulate: true }, { "vps-host:docker": { manage: false } }),
      PROGRAM,
    );
    assert.equal(stack.pulumi("config set --secret queuekit:redisPassword e2e-only-password").code, 0);
  });

  after(() => stack?.dispose());

  it("pulumi up applies the same steps through local commands and creates the parent cgroup", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.equal(read("/proc/sys/vm/overcommit_memory"), "1");
    assert.equal(thp("enabled"), "never");
    assert.equal(read(`${cgroup}/memory.limit_in_bytes`), String(2048 * MiB));
    if (existsSync(`${cgroup}/memory.memsw.limit_in_bytes`)) {
      assert.equal(read(`${cgroup}/memory.memsw.limit_in_bytes`), String(2048 * MiB));
    }
    const outputs = JSON.parse(stack.pulumi("stack output --json").stdout) as { cgroupParent: string };
    assert.equal(outputs.cgroupParent, `/queuekit-${name}`);
  });

  it("a container given that cgroupParent lands under the emulated host's limit", () => {
    const id = ok(
      `docker run -d --rm --network none --cgroup-parent /queuekit-${name} ${REDIS_IMAGE} redis-server --save ''`,
    ).stdout.trim();
    try {
      assert.ok(existsSync(`${cgroup}/${id}`), `${cgroup}/${id}`);
    } finally {
      ok(`docker rm -f ${id}`);
    }
    const again = stack.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it("pulumi destroy removes the cgroup and restores the machine", () => {
    const down = stack.pulumi("destroy --yes --skip-preview");
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.ok(!existsSync(cgroup));
    assert.deepEqual(machineState(name), found);
  });
});

describe("VpsHost's docker-install step on a Debian host without Docker (a fresh Debian container)", () => {
  const dir = path.join(tmpdir(), `qk-e2e-install-${process.pid}`);
  const script = path.join(dir, "install.sh");

  before(() => {
    const config = parseConfig({
      host: { memory: "2GiB", cpus: 2 },
      workers: [{ name: "default", image: "x", runAs: "1000:1000", app: "a", queues: ["q"] }],
    });
    const steps = renderHostSteps({
      stack: "install",
      host: config.host,
      memory: planMemory(config).host.memory.bytes,
      redisTcpBacklog: 511,
      docker: { manage: true, configFile: "/etc/docker/daemon.json", restart: "auto" },
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(script, steps.find((s) => s.name === "docker-install")?.create ?? "");
    writeFileSync(path.join(dir, "os-release"), 'ID=alpine\nPRETTY_NAME="Alpine Linux v3.20"\n');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("installs docker.io from the distribution's archive", () => {
    const r = sh(`docker run --rm -u 0 -v ${script}:/install.sh:ro ${REDIS_IMAGE} sh /install.sh`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /docker-install: installed Docker version \d+/);
  });

  it("refuses another distribution with a message naming the step and the fix", () => {
    const r = sh(
      `docker run --rm -u 0 -v ${script}:/install.sh:ro -v ${dir}/os-release:/etc/os-release:ro ${REDIS_IMAGE} sh /install.sh`,
    );
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /queuekit: step "docker-install" on localhost failed: Docker is not installed and Alpine Linux v3\.20 is not Debian or Ubuntu: install Docker Engine/,
    );
  });
});
