// The CIS Docker Benchmark section-5 checks on docker inspect JSON built here: a hardened container has no WARN, and
// each control's WARN condition, triggered alone, makes exactly that control WARN.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cisSection5,
  formatCisTable,
  HOST_LEVEL,
  type CisOptions,
  type CisResult,
  type DockerInfo,
  type InspectJson,
} from "../e2e/cis";

const NAME = "qk-test-redis";
const PORT = 16379;

/** Shaped like `docker inspect` of the kit's Redis once hardened, with an AppArmor profile and an SELinux label. */
function hardened(): InspectJson {
  return {
    Name: `/${NAME}`,
    Path: "redis-server",
    Args: ["/usr/local/etc/redis/redis.conf"],
    AppArmorProfile: "docker-default",
    State: { Health: { Status: "healthy" } },
    Config: { Image: "queuekit/redis:7-local", User: "101:102" },
    HostConfig: {
      Privileged: false,
      CapAdd: ["SETUID", "CAP_SETGID"],
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true", "label=type:container_t"],
      NetworkMode: "qk-test",
      PidMode: "",
      IpcMode: "private",
      UTSMode: "",
      UsernsMode: "",
      Memory: 256 * 2 ** 20,
      CpuShares: 1024,
      NanoCpus: 0,
      ReadonlyRootfs: true,
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
      Devices: [],
      Ulimits: [{ Name: "nofile", Soft: 10032, Hard: 10032 }],
      CgroupParent: "/queuekit-test",
      PidsLimit: 64,
      PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] },
    },
    Mounts: [
      {
        Type: "volume",
        Source: "/var/lib/docker/volumes/qk-test-redis-data/_data",
        Destination: "/data",
        RW: true,
        Propagation: "",
      },
    ],
    NetworkSettings: {
      Ports: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] },
      Networks: { "qk-test": {} },
    },
  };
}

const INFO: DockerInfo = {
  Swarm: { LocalNodeState: "inactive" },
  SecurityOptions: ["name=apparmor", "name=seccomp,profile=default", "name=selinux"],
};
const OPTIONS: CisOptions = {
  info: INFO,
  neededPorts: { [NAME]: [PORT] },
  confirmedCgroupParents: ["/queuekit-test"],
  processes: { [NAME]: ["redis-server"] },
};

type HostConfig = InspectJson["HostConfig"];
const withHost = (patch: Partial<HostConfig>) => (c: InspectJson) => ({
  ...c,
  HostConfig: { ...c.HostConfig, ...patch },
});
const withPorts = (bindings: { HostIp: string; HostPort: string }[]) => (c: InspectJson) => ({
  ...c,
  NetworkSettings: { ...c.NetworkSettings, Ports: { "6379/tcp": bindings } },
});
const withMount = (mount: NonNullable<InspectJson["Mounts"]>[number]) => (c: InspectJson) => ({
  ...c,
  Mounts: [...(c.Mounts ?? []), mount],
});

const statuses = (results: CisResult[], status: CisResult["status"]) =>
  results.filter((r) => r.status === status).map((r) => r.id);
const one = (results: CisResult[], id: string) => {
  const found = results.filter((r) => r.id === id);
  assert.equal(found.length, 1, `one result for ${id}`);
  return found[0];
};

describe("cisSection5", () => {
  it("a hardened container on a host with AppArmor, SELinux and no swarm: no WARN", () => {
    const results = cisSection5([hardened()], OPTIONS);
    assert.deepEqual(statuses(results, "WARN"), [], formatCisTable(results));
    assert.deepEqual(statuses(results, "INFO"), ["5.28"], "the image's currency is for a person to confirm");
    assert.deepEqual(statuses(results, "NOTE"), ["5.23", "5.24"]);
  });

  it("covers 4.1 and every control 5.1 to 5.32 in order, one result per container and one per engine-level control", () => {
    const other = { ...hardened(), Name: "/qk-test-worker", NetworkSettings: { Networks: { "qk-test": {} } } };
    const results = cisSection5([hardened(), { ...other, HostConfig: { ...other.HostConfig, PortBindings: {} } }]);
    const ids = [...new Set(results.map((r) => r.id))];
    assert.deepEqual(ids, ["4.1", ...Array.from({ length: 32 }, (_, i) => `5.${i + 1}`)]);
    const engine = ["5.1", "5.23", "5.24"];
    for (const id of ids) {
      const containers = results.filter((r) => r.id === id).map((r) => r.container);
      assert.deepEqual(containers, engine.includes(id) ? ["(engine)"] : [NAME, "qk-test-worker"], id);
    }
  });

  // Each case breaks one thing (in the container or in what the caller confirms): exactly that control WARNs.
  const cases: [id: string, what: string, mutate: (c: InspectJson) => InspectJson, options?: Partial<CisOptions>][] = [
    ["4.1", "no user (the image's, possibly root)", (c) => ({ ...c, Config: { ...c.Config, User: "" } })],
    ["4.1", "root by name", (c) => ({ ...c, Config: { ...c.Config, User: "root" } })],
    ["4.1", "uid 0 with a group", (c) => ({ ...c, Config: { ...c.Config, User: "0:102" } })],
    ["5.1", "the engine is a swarm node", (c) => c, { info: { ...INFO, Swarm: { LocalNodeState: "active" } } }],
    ["5.2", "no AppArmor profile", (c) => ({ ...c, AppArmorProfile: "" })],
    ["5.2", "AppArmor unconfined", (c) => ({ ...c, AppArmorProfile: "unconfined" })],
    ["5.3", "no SELinux label", withHost({ SecurityOpt: ["no-new-privileges"] })],
    ["5.3", "SELinux labelling disabled", withHost({ SecurityOpt: ["no-new-privileges", "label=disable"] })],
    ["5.4", "a capability beyond the default set", withHost({ CapAdd: ["cap_sys_admin"] })],
    ["5.4", "the default capabilities kept", withHost({ CapDrop: ["NET_RAW"] })],
    ["5.5", "privileged", withHost({ Privileged: true })],
    ["5.6", "/etc mounted read-write", withMount({ Type: "bind", Source: "/etc", Destination: "/host", RW: true })],
    ["5.6", "under /proc, read-write", withMount({ Source: "/proc/sys/vm", Destination: "/vm", RW: true })],
    ["5.7", "sshd as the entrypoint", (c) => ({ ...c, Path: "/usr/sbin/sshd", Args: ["-D"] })],
    ["5.7", "an sshd process", (c) => c, { processes: { [NAME]: ["redis-server", "sshd"] } }],
    ["5.8", "host port 80", withPorts([{ HostIp: "127.0.0.1", HostPort: "80" }]), { neededPorts: { [NAME]: [80] } }],
    ["5.9", "a port not needed", withPorts([{ HostIp: "127.0.0.1", HostPort: "26379" }])],
    ["5.9", "no needed ports declared", (c) => c, { neededPorts: {} }],
    ["5.10", "host network", withHost({ NetworkMode: "host" })],
    ["5.11", "no memory limit", withHost({ Memory: 0 })],
    ["5.12", "no CPU weight", withHost({ CpuShares: 0, NanoCpus: 0 })],
    ["5.13", "a writable root filesystem", withHost({ ReadonlyRootfs: false })],
    ["5.14", "bound to 0.0.0.0", withPorts([{ HostIp: "0.0.0.0", HostPort: String(PORT) }])],
    ["5.14", "bound to ::", withPorts([{ HostIp: "::", HostPort: String(PORT) }])],
    ["5.15", "on-failure:10", withHost({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: 10 } })],
    ["5.15", "on-failure without bound", withHost({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: 0 } })],
    ["5.16", "host PID namespace", withHost({ PidMode: "host" })],
    ["5.17", "host IPC namespace", withHost({ IpcMode: "host" })],
    [
      "5.20",
      "shared propagation",
      withMount({ Source: "/srv", Destination: "/srv", RW: false, Propagation: "rshared" }),
    ],
    ["5.21", "host UTS namespace", withHost({ UTSMode: "host" })],
    [
      "5.22",
      "seccomp disabled",
      withHost({ SecurityOpt: [...hardened().HostConfig.SecurityOpt!, "seccomp=unconfined"] }),
    ],
    ["5.25", "an unconfirmed cgroup parent", withHost({ CgroupParent: "/elsewhere" })],
    ["5.26", "no no-new-privileges", withHost({ SecurityOpt: ["label=type:container_t"] })],
    ["5.26", "no-new-privileges:false", withHost({ SecurityOpt: ["no-new-privileges:false", "label=level:s0"] })],
    ["5.27", "no healthcheck", (c) => ({ ...c, State: {} })],
    ["5.29", "PidsLimit null", withHost({ PidsLimit: null })],
    ["5.29", "PidsLimit 0", withHost({ PidsLimit: 0 })],
    ["5.29", "PidsLimit -1", withHost({ PidsLimit: -1 })],
    ["5.31", "host user namespace", withHost({ UsernsMode: "host" })],
    ["5.32", "the Docker socket", withMount({ Source: "/var/run/docker.sock", Destination: "/sock", RW: false })],
  ];
  for (const [id, what, mutate, options] of cases) {
    it(`${id} WARNs alone for ${what}`, () => {
      const results = cisSection5([mutate(hardened())], { ...OPTIONS, ...options });
      assert.deepEqual(statuses(results, "WARN"), [id], formatCisTable(results));
    });
  }

  it("INFO, not WARN, where docker-bench reports INFO: host devices, no ulimit override, the default bridge", () => {
    const c = hardened();
    const results = cisSection5(
      [
        {
          ...c,
          HostConfig: { ...c.HostConfig, Devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse" }] },
          NetworkSettings: { ...c.NetworkSettings, Networks: { bridge: {} } },
        },
        { ...c, Name: "/qk-test-plain", HostConfig: { ...c.HostConfig, Ulimits: [] } },
      ],
      {
        ...OPTIONS,
        neededPorts: { [NAME]: [PORT], "qk-test-plain": [PORT] },
        processes: { [NAME]: ["redis-server"], "qk-test-plain": ["redis-server"] },
      },
    );
    assert.deepEqual(statuses(results, "WARN"), []);
    assert.deepEqual(
      results.filter((r) => r.status === "INFO" && r.id !== "5.28").map((r) => `${r.id} ${r.container}`),
      ["5.18 qk-test-redis", "5.19 qk-test-plain", "5.30 qk-test-redis"],
    );
  });

  it("passes what docker-bench passes and a hardened kit needs: read-only sensitive mounts, unless-stopped as INFO", () => {
    const c = withMount({ Type: "bind", Source: "/etc/localtime", Destination: "/etc/localtime", RW: false })(
      withHost({ RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 }, CpuShares: 0, NanoCpus: 5e8 })(
        hardened(),
      ),
    );
    const results = cisSection5([c], OPTIONS);
    assert.deepEqual(statuses(results, "WARN"), []);
    assert.equal(one(results, "5.6").detail, "read-only only: /etc/localtime:/etc/localtime");
    assert.equal(one(results, "5.15").status, "INFO");
    assert.equal(one(results, "5.12").detail, "CpuShares 0, NanoCpus 500000000");
  });

  it("the configured port bindings stand in for the live ones of a container not running", () => {
    const c = { ...hardened(), NetworkSettings: { Ports: {}, Networks: { "qk-test": {} } } };
    const results = cisSection5([withHost({ PortBindings: { "6379/tcp": [{ HostIp: "", HostPort: "" }] } })(c)]);
    assert.equal(one(results, "5.14").status, "WARN");
    assert.equal(one(results, "5.9").detail, "publishes *:random->6379/tcp; no needed ports declared");
  });

  it("without docker info, a process list or confirmations: as docker-bench, plus INFO for what it cannot decide", () => {
    const results = cisSection5([hardened()]);
    assert.equal(one(results, "5.1").status, "INFO");
    assert.match(one(results, "5.1").detail, /^host-level, not decided here/);
    assert.equal(one(results, "5.7").status, "INFO");
    assert.deepEqual(statuses(results, "WARN"), ["5.9", "5.25"]);
  });

  it("the kit hardened on this host (no AppArmor, no SELinux): only host-level controls WARN, and say why", () => {
    const c = withHost({ SecurityOpt: ["no-new-privileges:true"] })({ ...hardened(), AppArmorProfile: "" });
    const info = { ...INFO, SecurityOptions: ["name=seccomp,profile=default"] };
    const results = cisSection5([c], { ...OPTIONS, info });
    const warned = statuses(results, "WARN");
    assert.deepEqual(warned, ["5.2", "5.3"]);
    const hostLevel = new Set(HOST_LEVEL.map((h) => h.id));
    assert.ok(warned.every((id) => hostLevel.has(id)));
    assert.match(one(results, "5.2").detail, /this engine has no apparmor/);
    assert.match(one(results, "5.3").detail, /this engine has no selinux/);
  });

  it("HOST_LEVEL names real controls, each with a one-line reason", () => {
    const ids = new Set(cisSection5([hardened()]).map((r) => r.id));
    for (const h of HOST_LEVEL) {
      assert.ok(ids.has(h.id), h.id);
      assert.ok(h.reason.length > 20 && !h.reason.includes("\n"), h.id);
    }
  });
});

describe("formatCisTable", () => {
  it("one line per result under a header, then the count of each status", () => {
    const results = cisSection5([hardened()], OPTIONS);
    const lines = formatCisTable(results).split("\n");
    assert.equal(lines.length, results.length + 2);
    assert.match(lines[0], /^id\s+status\s+container\s+control\s+detail$/);
    assert.match(
      lines[1],
      /^4\.1\s+PASS\s+qk-test-redis\s+Ensure that a user for the container has been created\s+User 101:102$/,
    );
    assert.match(
      lines[2],
      /^5\.1\s+PASS\s+\(engine\)\s+Ensure swarm mode is not Enabled, if not needed\s+Swarm inactive$/,
    );
    assert.equal(lines.at(-1), `${results.length - 3} PASS, 0 WARN, 1 INFO, 2 NOTE`);
  });
});
