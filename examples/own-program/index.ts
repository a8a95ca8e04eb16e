// A user's own Pulumi program: its app network and settings are its own; queuekit (from npm) brings the prepared
// host, the Redis broker and a Celery pool sized by the memory planner, all on that network.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  LOCAL_DOCKER_HOST,
  mergeOver,
  parseConfig,
  PlanError,
  planMemory,
  RedisBroker,
  VpsHost,
  WorkerPool,
  type QueuekitConfig,
} from "queuekit";

const stack = pulumi.getStack();
const settings = new pulumi.Config("own-program");

// The kit's settings live in code here; the stack's `own-program:queuekit` object may override any key.
const defaults = {
  preset: "2GiB",
  host: { memory: "2GiB", cpus: 2, connection: { kind: "local" }, emulate: true },
  redis: {
    image: "queuekit/redis:7-local",
    bind: "127.0.0.1",
    port: settings.requireNumber("redisPort"),
    activeDefrag: false,
  },
};
const config = kitConfig(mergeOver(defaults, settings.getObject<Record<string, unknown>>("queuekit") ?? {}));
const plan = planOrStop(config);

const host = new VpsHost("host", {
  stack,
  config: config.host,
  plan: plan.host,
  redisTcpBacklog: config.redis.tcpBacklog,
});
const engine = new docker.Provider("docker", { host: LOCAL_DOCKER_HOST }, { dependsOn: [host.ready] });

// The program's own resource: the network its app already uses, which the kit's containers join.
const appNetwork = new docker.Network(
  "app",
  { name: `own-program-${stack}`, labels: [{ label: "own-program.stack", value: stack }] },
  { provider: engine },
);

const redis = new RedisBroker(
  "redis",
  {
    stack,
    config: config.redis,
    plan: plan.redis,
    network: appNetwork,
    password: settings.requireSecret("redisPassword"),
    cgroupParent: host.cgroupParent,
    run: host.run,
  },
  { providers: { docker: engine }, dependsOn: [host.ready] },
);

const workers = plan.workers.map(
  (poolPlan) =>
    new WorkerPool(
      `workers-${poolPlan.name}`,
      {
        stack,
        pool: config.workers[poolPlan.source],
        plan: poolPlan,
        routes: plan.routes,
        publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
        network: appNetwork,
        brokerUrl: redis.url,
        cgroupParent: host.cgroupParent,
        run: host.run,
      },
      { providers: { docker: engine }, dependsOn: [host.ready, redis] },
    ),
);

export const network = appNetwork.name;
export const redisContainer = redis.container.name;
export const workerContainers = workers.flatMap((pool) => pool.containers.map((c) => c.name));
export const workerLimits = plan.workers.map((pool) => ({ pool: pool.name, limitBytes: pool.limit.bytes }));

// The kit's errors name the key, the value and the fix: show that message alone (RunError: no stack trace).
function kitConfig(raw: unknown): QueuekitConfig {
  try {
    return parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

function planOrStop(kit: QueuekitConfig) {
  try {
    return planMemory(kit);
  } catch (error) {
    if (error instanceof PlanError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
