// Building blocks of the Swarm policy examples (examples/policy-*-swarm): the Redis + Celery queue of baseline.js
// as docker.Service resources on a single-node swarm, safe under every rule of the pack when the nodes run
// without swap and are prepared by their image (policy-safe-swarm/policy-config.json says so).
// Unlike the other examples these can be deployed: the images are the kit's local ones.
"use strict";
const docker = require("@pulumi/docker");
const { REDIS_CONF, WORKER_ARGV } = require("./baseline");

const MiB = 2 ** 20;

/** Swarm's json-file logs, rotated: an unrotated log fills a small disk. */
const rotatedLogs = { name: "json-file", options: { "max-size": "10m", "max-file": "3" } };

/** Restarted on failure, with a back-off, at most 5 times in 2 minutes: a crash loop stops instead of thrashing. */
const restartPolicy = { condition: "on-failure", delay: "5s", maxAttempts: 5, window: "2m" };

/** redis.conf's lines as redis-server arguments: a Swarm task has no uploads. */
const REDIS_ARGS = REDIS_CONF.trim()
  .split("\n")
  .flatMap((line) => {
    const [key, ...value] = line.split(" ");
    return [`--${key}`, value.join(" ")];
  });

/** 256 MiB Redis (192 MiB reserved), read-only root, its data on a volume, reachable only on the stack's network. */
function redisService(name = "redis", overrides = {}) {
  return new docker.Service(name, {
    name: `policy-example-${name}`,
    mode: { replicated: { replicas: 1 } }, // left out, the replica count is unknown until the service exists
    taskSpec: {
      containerSpec: {
        image: "queuekit/redis:7-local",
        commands: ["redis-server"],
        args: REDIS_ARGS,
        user: "redis",
        readOnly: true,
        capDrops: ["ALL"],
        mounts: [{ target: "/data", type: "volume", source: `policy-example-${name}-data` }],
        healthcheck: { tests: ["CMD", "redis-cli", "-a", "example-only", "ping"], interval: "10s", timeout: "3s" },
      },
      resources: { limits: { memoryBytes: 256 * MiB }, reservation: { memoryBytes: 192 * MiB } },
      restartPolicy,
      logDriver: rotatedLogs,
    },
    ...overrides,
  });
}

/** Prefork worker's task: 2 children capped at 100 MiB each + parent, in 384 MiB (256 MiB reserved). */
function workerTaskSpec() {
  return {
    containerSpec: {
      image: "queuekit/celery-demo:local",
      commands: WORKER_ARGV,
      user: "nobody",
      readOnly: true,
      capDrops: ["ALL"],
      healthcheck: {
        tests: ["CMD-SHELL", "celery -A demo inspect ping -d celery@$HOSTNAME"],
        interval: "30s",
        timeout: "10s",
      },
    },
    resources: { limits: { memoryBytes: 384 * MiB }, reservation: { memoryBytes: 256 * MiB } },
    restartPolicy,
    logDriver: rotatedLogs,
  };
}

function workerService(name = "worker", overrides = {}) {
  return new docker.Service(name, {
    name: `policy-example-${name}`,
    mode: { replicated: { replicas: 1 } },
    taskSpec: workerTaskSpec(),
    ...overrides,
  });
}

module.exports = { MiB, rotatedLogs, restartPolicy, redisService, workerTaskSpec, workerService };
