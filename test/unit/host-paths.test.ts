// Per-host paths (issue 15): a several-host stack's other hosts write files, units and records named after the host,
// so two hosts emulated on one machine never share one; a one-host stack (and Redis' host) keeps its paths and hashes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { cgroupParentOf, hostInstance, hostPaths } from "../../infra/render/host/paths";
import { renderHostSteps } from "../../infra/render/host/steps";
import type { HostRenderInput, HostStep } from "../../infra/render/host/types";

const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const ssh = { kind: "ssh", host: "203.0.113.10", port: 22, user: "root", sshOptions: [] };
const docker = { manage: true, configFile: "/etc/docker/daemon.json", restart: "auto" } as const;

function input(host: Record<string, unknown>, hostName?: string): HostRenderInput {
  const config = parseConfig({ host: { memory: "2GiB", cpus: 2, ...host }, workers: [pool] });
  return {
    stack: "prod",
    ...(hostName !== undefined && { hostName }),
    host: config.host,
    memory: planMemory(config).host.memory.bytes,
    redisTcpBacklog: 511,
    docker,
  };
}

/** Every absolute path under /etc, /var/lib or the cgroup tree that a step's files or scripts name. */
function writtenPaths(steps: HostStep[]): Set<string> {
  const text = steps.map((s) => [...Object.keys(s.files), s.create, s.delete ?? ""].join("\n")).join("\n");
  return new Set(text.match(/\/(?:etc|var\/lib|sys\/fs\/cgroup)\/[\w.:/-]*queuekit[\w.:/-]*/g) ?? []);
}

describe("host paths with a host name", () => {
  it("keep the one-host paths exactly when no host name is given", () => {
    assert.deepEqual(hostPaths("prod"), {
      state: "/var/lib/queuekit/prod",
      sysctl: "/etc/sysctl.d/90-queuekit-prod.conf",
      thpUnit: "/etc/systemd/system/queuekit-thp-prod.service",
      swapFile: "/var/lib/queuekit/prod/swapfile",
      cgroup: "/sys/fs/cgroup/memory/queuekit-prod",
    });
    assert.equal(cgroupParentOf("prod"), "/queuekit-prod");
    assert.equal(hostInstance("prod"), "prod");
  });

  it("carry the host's name in every path, and in the cgroup parent", () => {
    const paths = hostPaths("prod", "worker-1");
    for (const [key, p] of Object.entries(paths)) assert.match(p, /prod:worker-1/, key);
    assert.equal(cgroupParentOf("prod", "worker-1"), "/queuekit-prod:worker-1");
  });

  it("two hosts of one stack, on one machine, write no path in common (daemon.json aside: the engine's own file)", () => {
    const host = { connection: { kind: "local" }, emulate: true, swapFile: "1GiB" };
    const a = writtenPaths(renderHostSteps(input(host, "broker")));
    const b = writtenPaths(renderHostSteps(input(host, "worker-1")));
    assert.ok(a.size >= 5, [...a].join(" "));
    assert.deepEqual(
      [...a].filter((p) => b.has(p)),
      [],
    );
    for (const p of [...a, ...b]) assert.match(p, /prod:(broker|worker-1)/, p);
  });

  it("a host name changes every step that writes a path; without one the steps are the one-host steps", () => {
    const one = renderHostSteps(input({ connection: ssh, swapFile: "1GiB" }));
    const named = renderHostSteps(input({ connection: ssh, swapFile: "1GiB" }, "worker-1"));
    const hash = (steps: HostStep[]) => Object.fromEntries(steps.map((s) => [s.name, s.hash]));
    // Files and sizes the hash covers carry the path: sysctl, thp and swap are new resources on a named host.
    for (const step of ["sysctl", "thp", "swap"]) assert.notEqual(hash(named)[step], hash(one)[step], step);
    const paths = hostPaths("prod");
    assert.deepEqual(Object.keys(one.find((s) => s.name === "sysctl")!.files), [paths.sysctl]);
    for (const s of one) assert.doesNotMatch(s.create + (s.delete ?? ""), /prod:[a-z0-9]/, s.name);
    assert.match(named.find((s) => s.name === "boot")!.create, /QK_STATE='\/var\/lib\/queuekit\/prod:worker-1'/);
  });

  it("refuses a host name that is not a DNS label", () => {
    assert.throws(() => renderHostSteps(input({ connection: ssh }, "Worker_1")), /host name "Worker_1": a DNS label/);
  });
});
