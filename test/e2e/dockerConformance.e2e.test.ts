// Conformance of the docker plugin (issue 11): for each docker resource the kit and the policy examples use
// (Container, Network, Volume, Provider), every input the @pulumi/docker SDK can send is either applied — seen again in
// `docker inspect` (or in the engine's behaviour) after a real `pulumi up` — or refused with an error naming it; never
// silently dropped. `pulumi import` of a container started by the docker CLI recovers its inputs.
// Runs with whichever docker plugin scripts/toolchain.sh provides (QUEUEKIT_DOCKER_PROVIDER); published ports 27000-27099.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, ok, repo, sh, type Result } from "./harness";
import { sdkInputs } from "./sdkInputs";

type Json = Record<string, unknown>;
type Inspect = Json & { HostConfig: Json; Config: Json; State: Json; NetworkSettings: Json };

const MiB = 2 ** 20;
const pid = process.pid;
const stack = `conf-${pid}`;
const prefix = `qk-${stack}`;
const labels = [{ label: "queuekit.stack", value: stack }];

/** A throw-away Pulumi program (plain JS, the repo's node_modules) whose resources come from a JSON spec. */
class SpecStack {
  readonly dir = mkdtempSync(path.join(tmpdir(), `qk-conformance-`));
  private readonly env: NodeJS.ProcessEnv;
  constructor(readonly name: string) {
    this.env = { PULUMI_BACKEND_URL: `file://${this.dir}/state`, QK_SPEC: path.join(this.dir, "spec.json") };
    mkdirSync(path.join(this.dir, "state"));
    symlinkSync(path.join(repo, "node_modules"), path.join(this.dir, "node_modules"));
    writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: qk-conformance\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(
      path.join(this.dir, "index.js"),
      `"use strict";
const docker = require("@pulumi/docker");
const spec = JSON.parse(require("fs").readFileSync(process.env.QK_SPEC, "utf8"));
const provider = spec.provider ? new docker.Provider("p", spec.provider) : undefined;
const opts = provider ? { provider } : {};
const base = [];
for (const [n, a] of Object.entries(spec.networks ?? {})) base.push(new docker.Network(n, a, opts));
for (const [n, a] of Object.entries(spec.volumes ?? {})) base.push(new docker.Volume(n, a, opts));
exports.logs = {};
for (const [n, a] of Object.entries(spec.containers ?? {})) {
  const c = new docker.Container(n, a, { ...opts, dependsOn: [...base] }); // in order: b reads a's volumes
  base.push(c);
  exports.logs[n] = c.containerLogs;
}
`,
    );
    ok(`pulumi stack init ${name} --non-interactive --cwd ${this.dir}`, this.env);
  }
  pulumi(args: string, spec?: Json): Result {
    if (spec) writeFileSync(this.env.QK_SPEC as string, JSON.stringify(spec));
    return sh(`pulumi ${args} --stack ${this.name} --non-interactive --cwd ${this.dir}`, this.env);
  }
  /** Resources' inputs and outputs as the state records them, by resource name. */
  state(): Record<string, { inputs: Json; outputs: Json }> {
    const exported = JSON.parse(this.pulumi("stack export --show-secrets").stdout) as {
      deployment: { resources?: { urn: string; inputs?: Json; outputs?: Json }[] };
    };
    return Object.fromEntries(
      (exported.deployment.resources ?? []).map((r) => [
        r.urn.split("::").pop() as string,
        { inputs: r.inputs ?? {}, outputs: r.outputs ?? {} },
      ]),
    );
  }
  dispose(): void {
    this.pulumi("destroy --yes --skip-preview");
    sh(`pulumi stack rm --yes --force --stack ${this.name} --cwd ${this.dir}`, this.env);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const inspectOf = (kind: "container" | "network" | "volume", name: string): Inspect =>
  (JSON.parse(docker(`${kind} inspect ${name}`)) as Inspect[])[0];
const hc = (c: Inspect): Json => c.HostConfig;
const cfg = (c: Inspect): Json => c.Config;

const net = `${prefix}-net`;
const vol = `${prefix}-vol`;
const hostDir = mkdtempSync(path.join(tmpdir(), "qk-conformance-bind-"));

// The containers of the applied spec. `a`: the engine's settings; `b`: the alternatives that exclude `a`'s
// (cpus vs cpuPeriod/Quota, networkMode vs networksAdvanced, entrypoint, read-only root); `idle`: created, not
// started; `logs`: a container run to completion with its output kept; `rm`: auto-removed.
const sleeper = { image: "queuekit/celery-demo:local", command: ["sleep", "600"], labels };
const containers: Record<string, Json> = {
  a: {
    ...sleeper,
    name: `${prefix}-a`,
    // The engine reads capabilities back as CAP_*: written short ("NET_ADMIN") they show as a change on every up.
    capabilities: { adds: ["CAP_NET_ADMIN"], drops: ["CAP_MKNOD"] },
    cgroupParent: "/docker",
    cgroupnsMode: "private",
    cpuPeriod: 100000,
    cpuQuota: 50000,
    cpuSet: "0",
    cpuShares: 512,
    deviceCgroupRules: ["c 1:3 r"],
    deviceReadBps: [{ path: "/dev/vda", rate: 1048576 }],
    deviceReadIops: [{ path: "/dev/vda", rate: 1000 }],
    deviceWriteBps: [{ path: "/dev/vda", rate: 2097152 }],
    deviceWriteIops: [{ path: "/dev/vda", rate: 2000 }],
    devices: [{ hostPath: "/dev/null", containerPath: "/dev/qknull", permissions: "rwm" }],
    dns: ["10.0.0.53"],
    dnsOpts: ["ndots:2"],
    dnsSearches: ["conformance.internal"],
    domainname: "conformance.internal",
    envs: ["QK_CONFORMANCE=1"],
    groupAdds: ["audio"],
    healthcheck: { tests: ["CMD", "true"], interval: "2s", timeout: "3s", startPeriod: "1s", retries: 2 },
    hostname: "qk-a",
    hosts: [{ host: "qk.example", ip: "10.1.2.3" }],
    init: true,
    ipcMode: "shareable",
    logDriver: "json-file",
    logOpts: { "max-size": "1m" },
    maxRetryCount: 3,
    memory: 64,
    memoryReservation: 32,
    memorySwap: 128,
    mounts: [{ target: "/m", type: "tmpfs", tmpfsOptions: { sizeBytes: MiB, mode: 0o1777 } }],
    networksAdvanced: [{ name: net, aliases: ["qk-alias"], ipv4Address: "172.31.250.10" }],
    platform: "linux", // "linux/amd64" is read back as "linux": a replacement on every up (upstream)
    ports: [{ internal: 8080, external: 27001, ip: "127.0.0.1", protocol: "tcp" }],
    privileged: false,
    publishAllPorts: true,
    restart: "on-failure",
    runtime: "runc",
    securityOpts: ["no-new-privileges:true"],
    shmSize: 32,
    stdinOpen: true,
    stopSignal: "SIGINT",
    stopTimeout: 7,
    sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
    tmpfs: { "/run/qk": "size=1m" },
    tty: true,
    ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
    uploads: [
      { file: "/tmp/qk/plain.txt", content: "conformance" },
      { file: "/tmp/qk/run.sh", contentBase64: Buffer.from("#!/bin/sh\n").toString("base64"), executable: true },
    ],
    user: "65534:65534",
    usernsMode: "host",
    volumes: [
      { volumeName: vol, containerPath: "/data", readOnly: true },
      { hostPath: hostDir, containerPath: "/host" },
    ],
    wait: true,
    waitTimeout: 30,
    workingDir: "/tmp",
    destroyGraceSeconds: 5,
    containerReadRefreshTimeoutMilliseconds: 12000,
    removeVolumes: true,
    mustRun: true,
    start: true,
  },
  idle: {
    ...sleeper,
    name: `${prefix}-idle`,
    start: false,
    mustRun: false,
    volumes: [{ volumeName: vol, containerPath: "/data" }],
  },
  b: {
    ...sleeper,
    name: `${prefix}-b`,
    cpus: "0.5",
    entrypoints: ["/bin/sh", "-c"],
    command: ["sleep 600"],
    networkMode: "none",
    // On b, not a: the engine adds label=disable to the securityOpts of a container with the host PID namespace.
    pidMode: "host",
    privileged: true,
    readOnly: true,
    volumes: [{ fromContainer: `${prefix}-idle` }], // not a: volumes-from a tmpfs mount fails on docker 20.10
  },
  logs: {
    ...sleeper,
    name: `${prefix}-logs`,
    command: ["echo", "conformance-logs"],
    attach: true,
    logs: true,
    mustRun: false,
    restart: "no",
  },
  rm: { ...sleeper, name: `${prefix}-rm`, rm: true },
};
const networks = {
  net: {
    name: net,
    attachable: true,
    driver: "bridge",
    internal: false,
    ipamConfigs: [{ subnet: "172.31.250.0/24", gateway: "172.31.250.1", ipRange: "172.31.250.0/25" }],
    ipamDriver: "default",
    ipamOptions: { "qk.option": "1" },
    ipv6: false,
    labels,
    options: { "com.docker.network.bridge.name": `qkc${pid % 100000}` },
  },
  internal: { name: `${prefix}-internal`, internal: true, labels },
};
const volumes = {
  vol: { name: vol, driver: "local", driverOpts: { type: "tmpfs", device: "tmpfs", o: "size=1m" }, labels },
};

/** How each SDK input is checked: against `docker inspect` of what it is set on, or by the engine's behaviour. */
const containerChecks: Record<string, (c: Record<string, Inspect>) => void> = {
  attach: (c) => assert.equal(c.logs.State.Status, "exited", "attach: the provider waited for the container to exit"),
  capabilities: (c) => {
    assert.deepEqual(hc(c.a).CapAdd, ["CAP_NET_ADMIN"]);
    assert.deepEqual(hc(c.a).CapDrop, ["CAP_MKNOD"]);
  },
  cgroupParent: (c) => assert.equal(hc(c.a).CgroupParent, "/docker"),
  cgroupnsMode: (c) => assert.equal(hc(c.a).CgroupnsMode, "private"),
  command: (c) => assert.deepEqual(cfg(c.a).Cmd, ["sleep", "600"]),
  containerReadRefreshTimeoutMilliseconds: () => undefined, // provider-side: checked in the state below
  cpuPeriod: (c) => assert.equal(hc(c.a).CpuPeriod, 100000),
  cpuQuota: (c) => assert.equal(hc(c.a).CpuQuota, 50000),
  cpuSet: (c) => assert.equal(hc(c.a).CpusetCpus, "0"),
  cpuShares: (c) => assert.equal(hc(c.a).CpuShares, 512),
  cpus: (c) => assert.equal(hc(c.b).NanoCpus, 5e8),
  destroyGraceSeconds: () => undefined, // provider-side (the stop timeout of a destroy): checked in the state below
  deviceCgroupRules: (c) => assert.deepEqual(hc(c.a).DeviceCgroupRules, ["c 1:3 r"]),
  deviceReadBps: (c) => assert.deepEqual(hc(c.a).BlkioDeviceReadBps, [{ Path: "/dev/vda", Rate: 1048576 }]),
  deviceReadIops: (c) => assert.deepEqual(hc(c.a).BlkioDeviceReadIOps, [{ Path: "/dev/vda", Rate: 1000 }]),
  deviceRequests: () => undefined, // refused by this engine (no GPU driver): see the refusals below
  deviceWriteBps: (c) => assert.deepEqual(hc(c.a).BlkioDeviceWriteBps, [{ Path: "/dev/vda", Rate: 2097152 }]),
  deviceWriteIops: (c) => assert.deepEqual(hc(c.a).BlkioDeviceWriteIOps, [{ Path: "/dev/vda", Rate: 2000 }]),
  devices: (c) =>
    assert.deepEqual(hc(c.a).Devices, [
      { PathOnHost: "/dev/null", PathInContainer: "/dev/qknull", CgroupPermissions: "rwm" },
    ]),
  dns: (c) => assert.deepEqual(hc(c.a).Dns, ["10.0.0.53"]),
  dnsOpts: (c) => assert.deepEqual(hc(c.a).DnsOptions, ["ndots:2"]),
  dnsSearches: (c) => assert.deepEqual(hc(c.a).DnsSearch, ["conformance.internal"]),
  domainname: (c) => assert.equal(cfg(c.a).Domainname, "conformance.internal"),
  entrypoints: (c) => assert.deepEqual(cfg(c.b).Entrypoint, ["/bin/sh", "-c"]),
  envs: (c) => assert.ok((cfg(c.a).Env as string[]).includes("QK_CONFORMANCE=1")),
  gpus: () => undefined, // refused by this engine (no GPU driver): see the refusals below
  groupAdds: (c) => assert.deepEqual(hc(c.a).GroupAdd, ["audio"]),
  healthcheck: (c) => {
    const h = cfg(c.a).Healthcheck as Json;
    assert.deepEqual(h.Test, ["CMD", "true"]);
    assert.deepEqual([h.Interval, h.Timeout, h.StartPeriod, h.Retries], [2e9, 3e9, 1e9, 2]);
  },
  hostname: (c) => assert.equal(cfg(c.a).Hostname, "qk-a"),
  hosts: (c) => assert.deepEqual(hc(c.a).ExtraHosts, ["qk.example:10.1.2.3"]),
  image: (c) => assert.equal(cfg(c.a).Image, "queuekit/celery-demo:local"),
  init: (c) => assert.equal(hc(c.a).Init, true),
  ipcMode: (c) => assert.equal(hc(c.a).IpcMode, "shareable"),
  labels: (c) => assert.equal((cfg(c.a).Labels as Json)["queuekit.stack"], stack),
  logDriver: (c) => assert.equal((hc(c.a).LogConfig as Json).Type, "json-file"),
  logOpts: (c) => assert.deepEqual((hc(c.a).LogConfig as Json).Config, { "max-size": "1m" }),
  logs: () => undefined, // the container's output in the `containerLogs` output: checked below
  maxRetryCount: (c) => assert.deepEqual(hc(c.a).RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 }),
  memory: (c) => assert.equal(hc(c.a).Memory, 64 * MiB),
  memoryReservation: (c) => assert.equal(hc(c.a).MemoryReservation, 32 * MiB),
  memorySwap: (c) => assert.equal(hc(c.a).MemorySwap, 128 * MiB),
  mounts: (c) => {
    const m = (hc(c.a).Mounts as Json[]).find((x) => x.Target === "/m");
    assert.deepEqual(m, { Type: "tmpfs", Target: "/m", TmpfsOptions: { SizeBytes: MiB, Mode: 0o1777 } });
  },
  mustRun: (c) => assert.equal(c.a.State.Running, true),
  name: (c) => assert.equal(c.a.Name, `/${prefix}-a`),
  networkMode: (c) => assert.equal(hc(c.b).NetworkMode, "none"),
  networksAdvanced: (c) => {
    const n = (c.a.NetworkSettings.Networks as Record<string, Json>)[net];
    assert.ok((n.Aliases as string[]).includes("qk-alias"), `aliases: ${JSON.stringify(n.Aliases)}`);
    assert.equal((n.IPAMConfig as Json).IPv4Address, "172.31.250.10");
    assert.equal(n.IPAddress, "172.31.250.10");
  },
  pidMode: (c) => assert.equal(hc(c.b).PidMode, "host"),
  platform: (c) => assert.equal(c.a.Platform, "linux"),
  ports: (c) =>
    assert.deepEqual((hc(c.a).PortBindings as Json)["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: "27001" }]),
  privileged: (c) => assert.deepEqual([hc(c.a).Privileged, hc(c.b).Privileged], [false, true]),
  publishAllPorts: (c) => assert.equal(hc(c.a).PublishAllPorts, true),
  readOnly: (c) => assert.equal(hc(c.b).ReadonlyRootfs, true),
  removeVolumes: () => undefined, // provider-side (on destroy): checked in the state below
  restart: (c) => assert.equal((hc(c.a).RestartPolicy as Json).Name, "on-failure"),
  rm: (c) => assert.equal(hc(c.rm).AutoRemove, true),
  runtime: (c) => assert.equal(hc(c.a).Runtime, "runc"),
  securityOpts: (c) => assert.deepEqual(hc(c.a).SecurityOpt, ["no-new-privileges:true"]),
  shmSize: (c) => assert.equal(hc(c.a).ShmSize, 32 * MiB),
  start: (c) => assert.deepEqual([c.a.State.Status, c.idle.State.Status], ["running", "created"]),
  stdinOpen: (c) => assert.equal(cfg(c.a).OpenStdin, true),
  stopSignal: (c) => assert.equal(cfg(c.a).StopSignal, "SIGINT"),
  stopTimeout: (c) => assert.equal(cfg(c.a).StopTimeout, 7),
  storageOpts: () => undefined, // refused by this engine (overlay2 not on xfs with pquota): see the refusals below
  sysctls: (c) => assert.deepEqual(hc(c.a).Sysctls, { "net.ipv4.ip_unprivileged_port_start": "0" }),
  tmpfs: (c) => assert.deepEqual(hc(c.a).Tmpfs, { "/run/qk": "size=1m" }),
  tty: (c) => assert.equal(cfg(c.a).Tty, true),
  ulimits: (c) => assert.deepEqual(hc(c.a).Ulimits, [{ Name: "nofile", Soft: 1024, Hard: 2048 }]),
  uploads: () => {
    assert.equal(docker(`exec ${prefix}-a cat /tmp/qk/plain.txt`), "conformance");
    assert.equal(docker(`exec ${prefix}-a stat -c %a /tmp/qk/run.sh`), "744");
  },
  user: (c) => assert.equal(cfg(c.a).User, "65534:65534"),
  usernsMode: (c) => assert.equal(hc(c.a).UsernsMode, "host"),
  volumes: (c) => {
    const binds = [...((hc(c.a).Binds as string[]) ?? [])].sort();
    assert.deepEqual(binds, [`${hostDir}:/host:rw`, `${vol}:/data:ro`].sort());
    assert.deepEqual(hc(c.b).VolumesFrom, [`${prefix}-idle`]);
  },
  wait: (c) => assert.equal((c.a.State.Health as Json).Status, "healthy", "wait: up returned once healthy"),
  waitTimeout: () => undefined, // provider-side: checked in the state below
  workingDir: (c) => assert.equal(cfg(c.a).WorkingDir, "/tmp"),
};
/** Provider-side inputs (no engine field): the provider keeps them, as given, in its state. */
const providerSide = ["containerReadRefreshTimeoutMilliseconds", "destroyGraceSeconds", "removeVolumes", "waitTimeout"];

const networkChecks: Record<string, (n: Inspect, internal: Inspect) => void> = {
  attachable: (n) => assert.equal(n.Attachable, true),
  driver: (n) => assert.equal(n.Driver, "bridge"),
  ingress: () => undefined, // refused outside Swarm: see the refusals below
  internal: (n, i) => assert.deepEqual([n.Internal, i.Internal], [false, true]),
  ipamConfigs: (n) =>
    assert.deepEqual((n.IPAM as Json).Config, [
      { Subnet: "172.31.250.0/24", IPRange: "172.31.250.0/25", Gateway: "172.31.250.1" },
    ]),
  ipamDriver: (n) => assert.equal((n.IPAM as Json).Driver, "default"),
  ipamOptions: (n) => assert.deepEqual((n.IPAM as Json).Options, { "qk.option": "1" }),
  ipv6: (n) => assert.equal(n.EnableIPv6, false),
  labels: (n) => assert.equal((n.Labels as Json)["queuekit.stack"], stack),
  name: (n) => assert.equal(n.Name, net),
  options: (n) => assert.equal((n.Options as Json)["com.docker.network.bridge.name"], `qkc${pid % 100000}`),
};
const volumeChecks: Record<string, (v: Inspect) => void> = {
  cluster: () => undefined, // refused outside Swarm: see the refusals below
  driver: (v) => assert.equal(v.Driver, "local"),
  driverOpts: (v) => assert.deepEqual(v.Options, { type: "tmpfs", device: "tmpfs", o: "size=1m" }),
  labels: (v) => assert.equal((v.Labels as Json)["queuekit.stack"], stack),
  name: (v) => assert.equal(v.Name, vol),
};

/** Inputs the engine (or the provider) must refuse here, each with what its error has to name. */
const refusals: { input: string; spec: Json; error: RegExp }[] = [
  {
    input: "Container.gpus",
    spec: { containers: { x: { ...sleeper, name: `${prefix}-r3`, gpus: "all" } } },
    error: /gpu/i,
  },
  {
    input: "Container.deviceRequests",
    spec: {
      containers: { x: { ...sleeper, name: `${prefix}-r4`, deviceRequests: [{ driver: "qk-none", count: 1 }] } },
    },
    error: /device driver.*qk-none/i,
  },
  {
    input: "Container.storageOpts",
    spec: { containers: { x: { ...sleeper, name: `${prefix}-r5`, storageOpts: { size: "1G" } } } },
    error: /storage-opt|storage opt/i,
  },
  {
    input: "Network.ingress",
    spec: { networks: { x: { name: `${prefix}-r1`, ingress: true, labels } } },
    error: /ingress/i,
  },
  {
    input: "Volume.cluster",
    spec: { volumes: { x: { name: `${prefix}-r2`, cluster: { scope: "single" }, labels } } },
    error: /cluster|swarm/i,
  },
  {
    input: "Provider.context",
    spec: { provider: { context: "qk-no-such-context" }, volumes: { x: { name: `${prefix}-r6`, labels } } },
    error: /qk-no-such-context/,
  },
  {
    input: "Provider.host",
    spec: { provider: { host: "unix:///run/qk-no-such.sock" }, volumes: { x: { name: `${prefix}-r7`, labels } } },
    error: /qk-no-such\.sock/,
  },
  {
    input: "Provider.certPath",
    spec: {
      provider: { host: "tcp://127.0.0.1:27002", certPath: "/qk-no-such-certs" },
      volumes: { x: { name: `${prefix}-r8`, labels } },
    },
    error: /qk-no-such-certs/,
  },
  {
    input: "Provider.caMaterial, certMaterial, keyMaterial",
    spec: {
      provider: { host: "tcp://127.0.0.1:27002", caMaterial: "x", certMaterial: "y", keyMaterial: "z" },
      volumes: { x: { name: `${prefix}-r9`, labels } },
    },
    error: /certificate|PEM|tls|x509/i,
  },
  {
    input: "Provider.sshOpts",
    spec: {
      provider: { host: "ssh://qk@127.0.0.1:27003", sshOpts: ["-o", "QkNoSuchOption=1"] },
      volumes: { x: { name: `${prefix}-r10`, labels } },
    },
    error: /qknosuchoption/i,
  },
];
/** Provider inputs applied without an engine field to read back: accepted, and the stack deploys through them. */
const providerApplied = {
  disableDockerDaemonCheck: true,
  registryAuth: [{ address: "registry.invalid", username: "u", password: "p" }],
};

describe("docker plugin conformance: every SDK input applied or refused", () => {
  let s: SpecStack;
  let seen: Record<string, Inspect>;

  before(() => {
    console.log(
      `# pulumi CLI: ${ok("pulumi version").stdout.trim()}; docker plugin: ${ok("ls -l $PULUMI_HOME/plugins/resource-docker-v*/").stdout.split("->").pop()?.trim()}`,
    );
    s = new SpecStack(stack);
  });
  after(() => {
    s?.dispose();
    const f = `--filter label=queuekit.stack=${stack}`; // what a failed test may have left
    sh(
      `docker rm -f $(docker ps -aq ${f}) ; docker network rm $(docker network ls -q ${f}) ; docker volume rm $(docker volume ls -q ${f})`,
    );
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("every input of Container, Network, Volume and Provider in the SDK has a check here", () => {
    assert.deepEqual(sdkInputs("container", "ContainerArgs"), Object.keys(containerChecks).sort());
    assert.deepEqual(sdkInputs("network", "NetworkArgs"), Object.keys(networkChecks).sort());
    assert.deepEqual(sdkInputs("volume", "VolumeArgs"), Object.keys(volumeChecks).sort());
    const providerInputs = [
      ...Object.keys(providerApplied),
      ...refusals.filter((r) => r.input.startsWith("Provider.")).flatMap((r) => r.input.slice(9).split(", ")),
    ];
    assert.deepEqual(sdkInputs("provider", "ProviderArgs"), providerInputs.sort());
    const applied = new Set([...Object.values(containers).flatMap(Object.keys)]);
    for (const name of Object.keys(containerChecks))
      if (!applied.has(name))
        assert.ok(
          refusals.some((r) => r.input === `Container.${name}`),
          `Container.${name} is neither set nor refused`,
        );
  });

  it("pulumi up applies every input: docker inspect shows each", () => {
    const up = s.pulumi("up --yes --skip-preview", {
      provider: { host: "unix:///var/run/docker.sock", ...providerApplied },
      networks,
      volumes,
      containers,
    });
    assert.equal(up.code, 0, up.stdout + up.stderr);
    console.log(
      `# pulumi up (${Object.keys(containers).length} containers, 2 networks, 1 volume): ${up.seconds.toFixed(1)} s`,
    );
    seen = Object.fromEntries(Object.keys(containers).map((k) => [k, inspectOf("container", `${prefix}-${k}`)]));
    const failures: string[] = [];
    for (const [input, check] of Object.entries(containerChecks))
      try {
        check(seen);
      } catch (e) {
        failures.push(`Container.${input}: ${(e as Error).message.split("\n")[0]}`);
      }
    const n = inspectOf("network", net);
    const i = inspectOf("network", `${prefix}-internal`);
    for (const [input, check] of Object.entries(networkChecks))
      try {
        check(n, i);
      } catch (e) {
        failures.push(`Network.${input}: ${(e as Error).message.split("\n")[0]}`);
      }
    const v = inspectOf("volume", vol);
    for (const [input, check] of Object.entries(volumeChecks))
      try {
        check(v);
      } catch (e) {
        failures.push(`Volume.${input}: ${(e as Error).message.split("\n")[0]}`);
      }
    assert.deepEqual(failures, []);
  });

  it("provider-side inputs are kept in the state, and logs: true returns the container's output", () => {
    const state = s.state();
    for (const input of providerSide)
      assert.equal(state.a.outputs[input], containers.a[input], `Container.${input} in the state's outputs`);
    assert.match(String(state.logs.outputs.containerLogs), /conformance-logs/);
  });

  it("a second up changes nothing, and refresh reads back no drift", () => {
    const again = s.pulumi("up --yes --skip-preview --expect-no-changes");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const refresh = s.pulumi("refresh --yes --skip-preview --expect-no-changes");
    assert.equal(refresh.code, 0, refresh.stdout + refresh.stderr);
  });

  for (const r of refusals)
    it(`${r.input} is refused with an error naming it`, () => {
      const scratch = new SpecStack(`${stack}-refuse`);
      try {
        const up = scratch.pulumi("up --yes --skip-preview", r.spec);
        assert.notEqual(up.code, 0, `${r.input} was accepted:\n${up.stdout}`);
        // Only the error lines count: a resource's name or the program's text must not satisfy the check.
        const errors = (up.stdout + up.stderr).split("\n").filter((l) => /error/i.test(l));
        const named = errors.find((l) => r.error.test(l));
        assert.ok(named, `${r.input}: no error names it:\n${errors.join("\n")}`);
        console.log(`# ${r.input}: ${named.trim().slice(0, 240)}`);
      } finally {
        scratch.dispose();
      }
    });

  it("pulumi import of a container started by the docker CLI recovers its inputs", () => {
    const name = `${prefix}-imported`;
    docker(
      `run -d --name ${name} --label queuekit.stack=${stack} --memory 96m --memory-swap 96m --cpu-shares 256 ` +
        `--restart unless-stopped --cap-drop ALL --security-opt no-new-privileges:true --env QK=1 ` +
        `--health-cmd true --health-interval 5s -p 127.0.0.1:27004:8080 queuekit/celery-demo:local sleep 600`,
    );
    const id = inspectOf("container", name).Id as string; // upstream imports a container by its ID
    const imp = s.pulumi(
      `import docker:index/container:Container imported ${id} --yes --skip-preview --generate-code=false`,
    );
    assert.equal(imp.code, 0, imp.stdout + imp.stderr);
    // The bridge marks the defaults it filled in (`__defaults`): not an input of the SDK.
    const inputs = JSON.parse(
      JSON.stringify(s.state().imported.inputs, (k, v: unknown) => (k === "__defaults" ? undefined : v)),
    ) as Json;
    const expected: Json = {
      name,
      image: "queuekit/celery-demo:local",
      command: ["sleep", "600"],
      memory: 96,
      memorySwap: 96,
      cpuShares: 256,
      restart: "unless-stopped",
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
    };
    console.log(`# pulumi import recovered: ${JSON.stringify(inputs)}`);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(inputs[k], v, `imported input ${k}`);
    assert.deepEqual(inputs.healthcheck, { interval: "5s", tests: ["CMD-SHELL", "true"] });
    assert.deepEqual([inputs.user, inputs.workingDir, inputs.logDriver], ["nobody", "/app", "json-file"]);
    // Not recovered by upstream's import (it reads them back only where the program already has them): env, labels,
    // ports — docs/toolchain.md says so.
    const recovered = Object.values(inputs).filter((v) => v !== null).length;
    console.log(`# pulumi import: ${recovered} inputs recovered`);
  });
});
