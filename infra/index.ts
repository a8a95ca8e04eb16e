// queuekit: config → plan → render → components. Bad config throws here, before any resource exists.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
// The repo's stack is one consumer of the kit's public API (infra/lib.ts), as a user's own program is.
import {
  appImages,
  Beat,
  brokerUrlAt,
  ConfigError,
  dockerEngine,
  firstReplicaOf,
  Flower,
  kitLabels,
  LOCAL_DOCKER_HOST,
  Monitoring,
  planHosts,
  planMemory,
  PlanError,
  Prometheus,
  readStackConfig,
  RedisBroker,
  REDIS_ALIAS,
  redisTlsMaterial,
  tlsSubjectAltNames,
  SwarmPool,
  VpsHost,
  WorkerHost,
  WorkerPool,
} from "./lib";

const stack = pulumi.getStack();
const { config, redisPassword, sshPrivateKey, flowerPassword, appSecrets, registryPasswords, plan, hostPlans } =
  configAndPlan();
const redisHost = hostPlans.find((h) => h.redis)!;
// Celery task_routes of every host's split pools: each pool's app routes alike, wherever it runs.
const routes = Object.assign({}, ...hostPlans.map((h) => h.plan.routes)) as Record<string, string>;
const poolPlans = hostPlans.flatMap((h) => h.plan.workers);
// The local engine: the provider's standard `docker:host` config, else the unix socket (a test's throw-away engine).
const localDockerHost = new pulumi.Config("docker").get("host") ?? LOCAL_DOCKER_HOST;

const host = new VpsHost("host", {
  stack,
  config: config.host,
  plan: plan.host,
  redisTcpBacklog: config.redis.tcpBacklog,
  sshPrivateKey,
  localDockerHost,
});
// Every Docker resource waits for the prepared host; destroy goes in reverse.
const engine = new docker.Provider("docker", dockerEngine(config.host.connection, localDockerHost), {
  dependsOn: [host.ready],
});
const network = new docker.Network(
  "network",
  {
    name: `qk-${stack}`,
    labels: kitLabels(stack, "network"),
  },
  { provider: engine },
);

// redis.tls: a CA and a server certificate for Redis' alias, loopback, private and bind addresses, kept as Pulumi secrets.
const redisTls = config.redis.tls
  ? redisTlsMaterial(undefined, "redis-tls", {
      stack,
      subjectAltNames: tlsSubjectAltNames(REDIS_ALIAS, redisHost.privateAddress, config.redis.bind),
    })
  : undefined;

const redis = new RedisBroker(
  "redis",
  {
    stack,
    config: config.redis,
    tls: redisTls,
    plan: plan.redis,
    network,
    password: redisPassword,
    cgroupParent: host.cgroupParent,
    run: host.run,
  },
  { providers: { docker: engine }, dependsOn: [host.ready] },
);

// Each config pool's image, pinned (a private registry's digest, a build's image ID) or as the engine has it.
const images = appImages(config, registryPasswords, dockerEngine(config.host.connection, localDockerHost), [
  host.ready,
]);

// One component per planned pool: a measured app with light and heavy tasks gives two from one config pool.
const swarm = config.orchestrator === "swarm";
const swarmPools = (swarm ? plan.workers : []).map(
  (poolPlan) =>
    new SwarmPool(
      `workers-${poolPlan.name}`,
      {
        stack,
        pool: config.workers[poolPlan.source],
        image: images[poolPlan.source],
        plan: poolPlan,
        routes,
        publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
        // The tasks run on the nodes' host network: Redis where it is published (redis.bind, required by swarm).
        brokerUrl: pulumi.secret(
          pulumi
            .output(redisPassword)
            .apply((p) => brokerUrlAt(p, config.redis.bind, config.redis.port, config.redis.tls)),
        ),
        redisCa: redisTls?.ca,
        secrets: appSecrets[poolPlan.source],
      },
      { providers: { docker: engine }, dependsOn: [host.ready, redis] },
    ),
);
const workers = (swarm ? [] : plan.workers).map(
  (poolPlan) =>
    new WorkerPool(
      `workers-${poolPlan.name}`,
      {
        stack,
        pool: config.workers[poolPlan.source],
        image: images[poolPlan.source],
        plan: poolPlan,
        routes,
        publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
        network,
        brokerUrl: redis.url,
        cgroupParent: host.cgroupParent,
        run: host.run,
        secrets: appSecrets[poolPlan.source],
        firstReplica: firstReplicaOf(hostPlans, redisHost.name, poolPlan.name),
        redisCa: redisTls?.ca,
      },
      { providers: { docker: engine }, dependsOn: [host.ready, redis] },
    ),
);

const monitoring =
  plan.monitoring &&
  new Monitoring(
    "monitoring",
    {
      stack,
      config: config.monitoring,
      plan: plan.monitoring,
      redisPlan: plan.redis,
      network,
      redisAddress: redis.address,
      redisCa: redisTls?.ca,
      redisPassword,
      queues: plan.workers.flatMap((pool) => pool.queues),
      cgroupParent: host.cgroupParent,
      run: host.run,
    },
    // Not after Redis: the exporter reports redis_up 0 until Redis answers, so both start at once.
    { providers: { docker: engine }, dependsOn: [host.ready] },
  );

// Prometheus scrapes the exporter (the config refuses it without monitoring.enabled) and evaluates its alert rules.
const prometheus =
  monitoring &&
  plan.prometheus &&
  new Prometheus(
    "prometheus",
    {
      stack,
      config: config.prometheus,
      plan: plan.prometheus,
      network,
      exporterHost: monitoring.container.name,
      alertRules: monitoring.alertRules,
      cgroupParent: host.cgroupParent,
      run: host.run,
    },
    { providers: { docker: engine }, dependsOn: [host.ready] },
  );

// The stack's one scheduler, with the app of beat.pool (else the first pool): never -B in a worker replica.
const beatPool = config.workers.findIndex((w) => w.name === (config.beat.pool ?? config.workers[0].name));
const beat =
  plan.beat &&
  new Beat(
    "beat",
    {
      stack,
      config: config.beat,
      plan: plan.beat,
      pool: config.workers[beatPool],
      image: images[beatPool],
      poolPlan: poolPlans.find((p) => p.source === beatPool) ?? poolPlans[0],
      routes,
      publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
      network,
      brokerUrl: redis.url,
      redisCa: redisTls?.ca,
      secrets: appSecrets[beatPool],
      cgroupParent: host.cgroupParent,
      run: host.run,
    },
    // After the workers: what it sends at once on its first start finds a consumer.
    { providers: { docker: engine }, dependsOn: [host.ready, redis, ...workers, ...swarmPools] },
  );

const flower =
  plan.flower &&
  flowerPassword &&
  new Flower(
    "flower",
    {
      stack,
      config: config.flower,
      plan: plan.flower,
      network,
      brokerUrl: redis.url,
      redisCa: redisTls?.ca,
      password: flowerPassword,
      cgroupParent: host.cgroupParent,
      run: host.run,
    },
    { providers: { docker: engine }, dependsOn: [host.ready] },
  );

// The other hosts (several-host stacks): each prepared, its own engine, its pools and beat reaching Redis at the
// Redis host's private address (the config binds Redis there when anything runs elsewhere).
const redisAtPrivateAddress =
  redisHost.privateAddress &&
  pulumi.secret(
    pulumi
      .output(redisPassword)
      .apply((p) => brokerUrlAt(p, redisHost.privateAddress!, config.redis.port, config.redis.tls)),
  );
const otherHosts = hostPlans
  .filter((h) => !h.redis)
  .map(
    (h) =>
      new WorkerHost(
        `host-${h.name}`,
        {
          stack,
          config,
          host: h,
          brokerUrl: redisAtPrivateAddress!,
          redisCa: redisTls?.ca,
          routes,
          publishHeadroomBytes: plan.redis.publishHeadroom.bytes,
          firstReplica: (pool) => firstReplicaOf(hostPlans, h.name, pool),
          beatPoolPlan: poolPlans.find((p) => p.source === beatPool) ?? poolPlans[0],
          sshPrivateKey,
          localDockerHost,
          appSecrets,
        },
        // After Redis: a worker that starts first would only retry until it answers.
        { dependsOn: [redis] },
      ),
  );

/** The whole memory budget, as planned (bytes). */
export const memoryPlan = plan;
export const redisUrl = redis.url;
export const redisMaxmemory = redis.maxmemoryBytes;
export const redisContainer = redis.container.name;
export const workerContainers = workers.flatMap((w) => w.containers.map((c) => c.name));
export const workerNodes = [...workers, ...swarmPools, ...otherHosts.flatMap((h) => h.pools)].flatMap(
  (w) => w.nodeNames,
);
/** The worker pools' Swarm services (orchestrator: swarm only). */
export const workerServices = swarmPools.map((p) => p.service.name);
/** Each host's worker containers, by host name (several hosts; one host: "host"). */
export const hostContainers = Object.fromEntries([
  [redisHost.name, workerContainers],
  ...otherHosts.map((h, i) => [
    hostPlans.filter((p) => !p.redis)[i]!.name,
    h.pools.flatMap((w) => w.containers.map((c) => c.name)),
  ]),
]);
/** Celery task_routes of the stack: producers outside the kit's containers set it too, so heavy tasks reach their pool. */
export const taskRoutes = routes;
/** Prometheus scrape URL of the Redis exporter, and alert rules to load there (monitoring.enabled only). */
export const metricsUrl = monitoring?.metricsUrl;
export const alertRules = monitoring?.alertRules;
/** Prometheus' API and UI, e.g. <prometheusUrl>/api/v1/alerts (monitoring.prometheus.enabled only). */
export const prometheusUrl = prometheus ? prometheus.url : undefined;
export const prometheusContainer = prometheus ? prometheus.container.name : undefined;
/** The stack's Celery beat (beat.enabled only). */
export const beatContainer = beat ? beat.container.name : otherHosts.find((h) => h.beat)?.beat?.container.name;
/** Flower's UI, behind basic auth (user flower.user, password the secret queuekit:flowerPassword). */
export const flowerUrl = flower ? flower.url : undefined;
export const flowerContainer = flower ? flower.container.name : undefined;

// A bad config or a plan that does not fit is reported as its message alone (RunError: no stack trace).
function configAndPlan() {
  try {
    const cfg = new pulumi.Config("queuekit");
    const stackConfig = readStackConfig(cfg);
    const flowerPassword = stackConfig.config.flower.enabled ? cfg.getSecret("flowerPassword") : undefined;
    if (stackConfig.config.flower.enabled && flowerPassword === undefined)
      throw new ConfigError([
        {
          path: "flowerPassword",
          value: undefined,
          message: `required with flower.enabled: pulumi config set --secret ${cfg.name}:flowerPassword "$(openssl rand -hex 16)"`,
        },
      ]);
    return {
      ...stackConfig,
      flowerPassword,
      plan: planMemory(stackConfig.config),
      hostPlans: planHosts(stackConfig.config),
    };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PlanError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
