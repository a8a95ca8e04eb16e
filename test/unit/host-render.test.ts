// Host preparation renderers: files and step scripts pinned by snapshots, parsed by dash and bash, the unit
// checked by systemd-analyze; each setting changes only its own step's trigger.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import type { HostConfig } from "../../infra/config/types";
import { planMemory } from "../../infra/plan/planner";
import { renderDaemonJson, renderSysctlDropIn, renderThpUnit } from "../../infra/render/host/files";
import { renderHostSteps } from "../../infra/render/host/steps";
import type { HostRenderInput, HostStep } from "../../infra/render/host/types";
import { validateHostInput } from "../../infra/render/host/validate";
import { rotatedLogs } from "../../infra/render/logs";
import { asRoot, shq } from "../../infra/render/shell";
import { matchSnapshot } from "./snapshot";

const MiB = 2 ** 20;
const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };

const stackConfig = (host: Record<string, unknown>) =>
  parseConfig({ host: { memory: "2GiB", cpus: 2, ...host }, workers: [pool] });

function hostConfig(host: Record<string, unknown>): HostConfig {
  return stackConfig(host).host;
}

const ssh = { kind: "ssh", host: "203.0.113.10", port: 22, user: "root", sshOptions: [] };
const docker = { manage: true, configFile: "/etc/docker/daemon.json", restart: "auto" } as const;
const input = (host: Record<string, unknown>, extra: Partial<HostRenderInput> = {}): HostRenderInput => ({
  stack: "prod",
  host: hostConfig(host),
  memory: planMemory(stackConfig(host)).host.memory.bytes,
  redisTcpBacklog: 511,
  docker,
  ...extra,
});
const byName = (steps: HostStep[]) => Object.fromEntries(steps.map((s) => [s.name, s]));

/** Every script of a step list as one document, so one snapshot shows what runs on the host. */
function allScripts(steps: HostStep[]): string {
  return steps
    .map(
      (s) =>
        `#### ${s.name} (after: ${s.after.join(", ") || "-"}) trigger ${s.hash}\n#### create\n${s.create}` +
        (s.delete ? `#### delete\n${s.delete}` : ""),
    )
    .join("\n");
}

describe("host files", () => {
  it("the sysctl drop-in sets overcommit 1, the swappiness and somaxconn, each with its reason", () => {
    const text = renderSysctlDropIn(input({ connection: ssh, sysctl: { swappiness: 10, somaxconn: 2048 } }));
    matchSnapshot("host-sysctl.conf", text);
    assert.match(text, /^vm\.overcommit_memory = 1$/m);
    assert.match(text, /^vm\.swappiness = 10$/m);
    assert.match(text, /^net\.core\.somaxconn = 2048$/m);
    for (const line of text.split("\n").filter((l) => /^\w/.test(l))) {
      const before = text.split("\n")[text.split("\n").indexOf(line) - 1];
      assert.match(before, /^# /, `${line} has a comment saying why`);
    }
  });

  it("the THP unit sets enabled and defrag at boot and is checked by systemd-analyze", (t) => {
    const unit = renderThpUnit("prod", "never");
    matchSnapshot("host-thp.service", unit);
    assert.match(unit, /echo never >\/sys\/kernel\/mm\/transparent_hugepage\/enabled/);
    assert.match(unit, /echo never >\/sys\/kernel\/mm\/transparent_hugepage\/defrag/);
    assert.match(unit, /^WantedBy=basic\.target$/m);
    if (spawnSync("systemd-analyze", ["--version"]).status !== 0) return t.skip("systemd-analyze not installed");
    const dir = mkdtempSync(path.join(tmpdir(), "qk-unit-"));
    try {
      const file = path.join(dir, "queuekit-thp-prod.service");
      writeFileSync(file, unit);
      const r = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
      const ours = r.stderr.split("\n").filter((l) => l.includes("queuekit-thp-prod"));
      assert.deepEqual(ours, [], r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("daemon.json rotates logs like the containers' own log options and keeps containers over a restart", () => {
    const json = renderDaemonJson();
    matchSnapshot("host-daemon.json", json);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.equal(parsed["live-restore"], true);
    assert.equal(parsed["log-driver"], rotatedLogs.logDriver);
    assert.deepEqual(parsed["log-opts"], rotatedLogs.logOpts);
    assert.deepEqual({ logDriver: parsed["log-driver"], logOpts: parsed["log-opts"] }, rotatedLogs);
    assert.ok(!("oom-kill-disable" in parsed));
  });
});

describe("host steps", () => {
  const sshSteps = renderHostSteps(input({ connection: ssh, swapFile: "1GiB" }));
  const localSteps = renderHostSteps(input({ connection: { kind: "local" }, emulate: true }));

  it("are pinned by snapshots (ssh with a swap file; local emulating a 2 GiB host)", () => {
    matchSnapshot("host-steps-ssh.sh", allScripts(sshSteps));
    matchSnapshot("host-steps-local.sh", allScripts(localSteps));
  });

  it("are the configured ones, each after what it needs", () => {
    assert.deepEqual(
      sshSteps.map((s) => [s.name, s.after]),
      [
        ["boot", []],
        ["docker-install", ["boot"]],
        ["docker-daemon", ["docker-install"]],
        ["sysctl", ["boot"]],
        ["thp", ["boot"]],
        ["swap", ["boot"]],
      ],
    );
    assert.deepEqual(
      localSteps.map((s) => s.name),
      ["boot", "docker-install", "docker-daemon", "sysctl", "thp", "cgroup"],
    );
    const noDocker = renderHostSteps(input({ connection: ssh }, { docker: { ...docker, manage: false } }));
    assert.ok(!noDocker.some((s) => s.name === "docker-daemon" || s.name === "swap"));
  });

  it("parse as POSIX sh (dash) and bash, also wrapped in sudo for a non-root user", () => {
    const user = { kind: "ssh", host: "vps", port: 22, user: "deploy", sshOptions: [] } as const;
    for (const step of [...sshSteps, ...localSteps]) {
      for (const script of [step.create, step.delete].filter((s): s is string => s !== undefined)) {
        for (const text of [script, asRoot(script, user)]) {
          for (const shell of ["dash", "bash"]) {
            const r = spawnSync(shell, ["-n"], { input: text, encoding: "utf8" });
            assert.equal(r.status, 0, `${shell} -n on ${step.name}: ${r.stderr}`);
          }
        }
      }
    }
    assert.match(asRoot("true", user), /^sudo -n sh -c 'true'$/);
    assert.equal(asRoot("true", ssh as HostConfig["connection"]), "true");
  });

  it("name the step and the host in every failure, and record before they change", () => {
    for (const step of sshSteps) {
      assert.match(step.create, new RegExp(`^QK_STEP=${step.name}$`, "m"));
      assert.match(step.create, /^QK_TARGET='root@203\.0\.113\.10:22'$/m);
      assert.match(step.create, /failed: %s/);
    }
    const { sysctl, thp } = byName(sshSteps);
    assert.ok(sysctl.create.indexOf('>>"$prev"') < sysctl.create.indexOf('mv -f "$conf.queuekit-tmp"'));
    assert.ok(thp.create.indexOf('>"$prev"') < thp.create.indexOf('mv -f "$unit.queuekit-tmp"'));
    for (const step of sshSteps.filter((s) => s.delete)) assert.match(step.delete ?? "", /if ! owns; then/);
  });

  it("change only the step a setting belongs to", () => {
    const base = byName(renderHostSteps(input({ connection: ssh, swapFile: "1GiB" })));
    const changes: [string, Record<string, unknown>, string[]][] = [
      ["swappiness", { sysctl: { swappiness: 5 } }, ["sysctl"]],
      ["somaxconn", { sysctl: { somaxconn: 8192 } }, ["sysctl"]],
      ["transparentHugePages", { transparentHugePages: "madvise" }, ["thp"]],
      ["swapFile", { swapFile: "2GiB" }, ["swap"]],
    ];
    for (const [what, patch, expected] of changes) {
      const next = byName(renderHostSteps(input({ connection: ssh, swapFile: "1GiB", ...patch })));
      const changed = Object.keys(base).filter(
        (n) => base[n].hash !== next[n].hash || base[n].create !== next[n].create,
      );
      assert.deepEqual(changed, expected, what);
    }
    const moved = byName(
      renderHostSteps(
        input({ connection: ssh, swapFile: "1GiB" }, { docker: { ...docker, configFile: "/etc/dj.json" } }),
      ),
    );
    assert.deepEqual(
      Object.keys(base).filter((n) => base[n].hash !== moved[n].hash),
      ["docker-daemon"],
    );
    // Memory changes the emulated cgroup's limit (its trigger) and the boot check (its script only).
    const local = byName(localSteps);
    const bigger = byName(renderHostSteps(input({ connection: { kind: "local" }, emulate: true, memory: "4GiB" })));
    assert.deepEqual(
      Object.keys(local).filter((n) => local[n].hash !== bigger[n].hash),
      ["cgroup"],
    );
    assert.notEqual(local.boot.create, bigger.boot.create);
  });

  it("are the same text for the same input (no run on a second up)", () => {
    assert.deepEqual(renderHostSteps(input({ connection: ssh, swapFile: "1GiB" })), sshSteps);
  });
});

describe("host input checks", () => {
  const refused = (i: HostRenderInput, message: RegExp) => assert.throws(() => validateHostInput(i), message);

  it("refuses somaxconn below Redis' backlog, a swap size in parts of a MiB, a bad stack name", () => {
    refused(
      input({ connection: ssh, sysctl: { somaxconn: 1024 } }, { redisTcpBacklog: 2048 }),
      /somaxconn \(1024\) is below redis\.tcpBacklog \(2048\)/,
    );
    refused(
      { ...input({ connection: ssh }), host: { ...hostConfig({ connection: ssh }), swapFile: 3 * MiB + 1 } },
      /whole MiB/,
    );
    refused(input({ connection: ssh }, { stack: "a b" }), /stack name/);
    refused(input({ connection: ssh }, { docker: { ...docker, configFile: "daemon.json" } }), /absolute path/);
  });

  it("quotes for sh", () => {
    assert.equal(shq("it's"), `'it'\\''s'`);
    const r = spawnSync("sh", ["-c", `printf %s ${shq("a'b $c")}`], { encoding: "utf8" });
    assert.equal(r.stdout, "a'b $c");
  });
});
