// Building blocks of the policy examples (examples/policy-*): a small Celery + Redis queue on this machine's
// Docker engine, written with plain @pulumi/docker and @pulumi/command resources, that passes every rule of the
// queuekit-memory-safety pack. Each policy-unsafe-* example starts from it and breaks one thing.
// The examples are for `pulumi preview --policy-pack policies`: nothing here is meant to be deployed.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const docker = require("@pulumi/docker");

/** 256 MiB Redis container: maxmemory at 70% of it (an AOF rewrite forks and copies pages on write). */
const REDIS_CONF = [
  "maxmemory 179mb",
  "maxmemory-policy noeviction",
  "appendonly yes",
  "requirepass example-only",
  "",
].join("\n");

/** Rotated json-file logs: an unrotated log fills a small disk. */
const rotatedLogs = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" } };
/** The same rotation as a daemon.json's defaults. */
const DAEMON_LOGS = { "log-driver": rotatedLogs.logDriver, "log-opts": rotatedLogs.logOpts };

/**
 * CIS Docker 5.x hardening (the pack's container-hardening advisories): no capabilities, no privilege gain, a CPU
 * weight, a non-root user. A read-only root where nothing is uploaded into the container: the provider extracts
 * `uploads` into the root filesystem, which Docker refuses when it is read-only. The provider has no PIDs limit.
 */
const hardened = (user, cpuShares, readOnly) => ({
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  cpuShares,
  user,
  ...(readOnly && { readOnly: true, tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" } }),
});

/** Host settings Redis needs and a container cannot make: overcommit for fork, THP off. */
function hostPrep(name = "host-prep", create) {
  return new command.local.Command(name, {
    create:
      create ??
      "sudo sysctl -w vm.overcommit_memory=1 && echo never | sudo tee /sys/kernel/mm/transparent_hugepage/enabled",
  });
}

function redis(name = "redis", overrides = {}, conf = REDIS_CONF) {
  return new docker.Container(name, {
    name: `policy-example-${name}`,
    image: "redis:7.2-alpine",
    command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
    memory: 256, // MiB
    memorySwap: 256, // = memory: no swap
    uploads: [{ file: "/usr/local/etc/redis/redis.conf", content: pulumi.secret(conf) }],
    ports: [{ internal: 6379, external: 16380, ip: "127.0.0.1" }],
    ...hardened("redis", 2048, false), // its redis.conf is an upload: the root stays writable
    restart: "unless-stopped",
    healthcheck: {
      tests: ["CMD", "redis-cli", "-a", "example-only", "ping"],
      interval: "10s",
      timeout: "3s",
      retries: 3,
    },
    ...rotatedLogs,
    ...overrides,
  });
}

/**
 * Redis with a read-only root: its settings as redis-server arguments (an uploaded redis.conf needs a writable
 * root with the provider), its data on a volume.
 */
function readOnlyRedis(name = "redis") {
  const args = REDIS_CONF.trim()
    .split("\n")
    .flatMap((line) => {
      const [key, ...value] = line.split(" ");
      return [`--${key}`, value.join(" ")];
    });
  return redis(name, {
    command: ["redis-server", ...args],
    uploads: [],
    ...hardened("redis", 2048, true),
    volumes: [{ volumeName: `policy-example-${name}-data`, containerPath: "/data" }],
  });
}

/** Prefork worker: 2 children capped at 100 MiB each + parent, in 384 MiB. */
const WORKER_ARGV = [
  "celery",
  "-A",
  "demo",
  "worker",
  "--pool",
  "prefork",
  "--concurrency",
  "2",
  "--max-tasks-per-child",
  "200",
  "--max-memory-per-child",
  "102400",
];

function worker(name = "worker", overrides = {}) {
  return new docker.Container(name, {
    name: `policy-example-${name}`,
    image: "queuekit/celery-demo:local",
    command: WORKER_ARGV,
    memory: 384,
    memorySwap: 384,
    ...hardened("nobody", 1024, true),
    restart: "unless-stopped",
    healthcheck: {
      tests: ["CMD-SHELL", "celery -A demo inspect ping -d celery@$HOSTNAME"],
      interval: "30s",
      timeout: "10s",
    },
    ...rotatedLogs,
    ...overrides,
  });
}

/**
 * Declares a host's RAM the way the kit's queuekit:host:VpsHost does: the documented summary as the component's
 * inputs (per-resource rules) and as its outputs (stack rules). See policies/README.md.
 */
class HostDeclaration extends pulumi.ComponentResource {
  constructor(name, summary, opts) {
    super("queuekit:host:VpsHost", name, summary, opts);
    this.registerOutputs(summary);
  }
}

const MiB = 2 ** 20;

/**
 * A queue on a VPS, as a compose project delivered over SSH: the host declared the way the kit's VpsHost does, its
 * Docker daemon.json (rotated logs, live-restore), the queue's files from `queueFiles(connection)` and a remote
 * `docker compose up`. For preview only: the documentation address given as `host` is never reached.
 */
function remoteComposeQueue(host, queueFiles) {
  const connection = { host, user: "root", agentSocketPath: "/run/ssh-agent.sock" };
  new HostDeclaration("vps", {
    memoryBytes: 1024 * MiB,
    reserveBytes: 256 * MiB,
    connection: { kind: "ssh", host, port: 22, user: "root" },
    sysctl: { overcommitMemory: 1 },
    thp: "never",
  });
  const daemonJson = new command.remote.CopyToRemote("daemon-json", {
    connection,
    source: new pulumi.asset.StringAsset(JSON.stringify({ ...DAEMON_LOGS, "live-restore": true })),
    remotePath: "/etc/docker/daemon.json",
  });
  return new command.remote.Command(
    "up",
    {
      connection,
      create: "systemctl reload-or-restart docker && cd /srv/queue && docker compose up -d --wait",
      delete: "cd /srv/queue && docker compose down",
    },
    { dependsOn: [...queueFiles(connection), daemonJson] },
  );
}

module.exports = {
  REDIS_CONF,
  WORKER_ARGV,
  rotatedLogs,
  hardened,
  hostPrep,
  redis,
  readOnlyRedis,
  worker,
  HostDeclaration,
  MiB,
  remoteComposeQueue,
};
