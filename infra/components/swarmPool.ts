import { createHash, createHmac } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerPoolConfig } from "../config/types";
import type { WorkerPoolPlan } from "../plan/types";
import { renderCeleryConfig, stopTimeoutOf, workerArgv } from "../render/celery";
import { readTemplate } from "../render/template";
import { rotatedLogs } from "../render/logs";
import { fileSecretNames, plainEnvs, SECRET_FILE_MODE, SECRETS_DIR, secretsOwnerOf } from "../render/appEnv";
import { kitLabels } from "./common";

export interface SwarmPoolArgs {
  readonly stack: string;
  readonly pool: WorkerPoolConfig;
  /** What the tasks run (AppImage.ref); absent: pool.image as the nodes have it. */
  readonly image?: pulumi.Input<string>;
  readonly plan: WorkerPoolPlan;
  readonly routes: Readonly<Record<string, string>>;
  readonly publishHeadroomBytes: number;
  /** redis://… with the password (secret), at an address the nodes' host network reaches (redis.bind); rediss:// with redis.tls. */
  readonly brokerUrl: pulumi.Input<string>;
  /** With redis.tls: the stack's CA certificate (PEM), a Swarm config beside the celeryconfig that points at it. */
  readonly redisCa?: pulumi.Input<string>;
  /** The pool's secret values by name: each a Swarm secret under /run/secrets (the config refuses env-mode ones). */
  readonly secrets?: Readonly<Record<string, pulumi.Output<string>>>;
}

const configDir = "/etc/queuekit";
/** Swarm secrets are files under /run/secrets: the celeryconfig (broker password) is one, imported from there. */
const secretDir = SECRETS_DIR;
const redisCaFile = `${configDir}/redis-ca.crt`;
const LIVENESS_FILE = "/tmp/queuekit-alive";
const LIVENESS_MAX_AGE_S = 35;
/** The container path's /tmp (16m): Swarm's tmpfs takes a size and a mode, not noexec/nosuid. */
const TMPFS_BYTES = 16 * 2 ** 20;

/**
 * Swarm configs and secrets are immutable: a new content is a new name, so the service moves to it in one update.
 * Swarm allows 64 characters: a long stack name is cut, the content hash kept.
 */
const nameOf = (base: string, content: string): string =>
  `${base.slice(0, 51)}-${createHash("sha256").update(content).digest("hex").slice(0, 12)}`;
const b64 = (text: string): string => Buffer.from(text).toString("base64");
/**
 * An app secret's Swarm name: its content tag keyed by the broker URL (it holds the stack's Redis password), so the
 * name, which `docker secret ls` shows, gives no way to test guesses of a short secret value.
 */
const keyedNameOf = (base: string, key: string, value: string): string =>
  `${base.slice(0, 51)}-${createHmac("sha256", key).update(value).digest("hex").slice(0, 12)}`;

/** Seconds as Go prints a duration (1830 → "30m30s"): the engine's reading of the input, so a second up sees no change. */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** The service's inputs for one pool, from the plan alone (pure: the unit tests read them). */
export function swarmTaskSpec(
  args: Pick<SwarmPoolArgs, "stack" | "pool" | "plan"> & { image: pulumi.Input<string> },
): docker.types.input.ServiceTaskSpec {
  const { stack, pool, plan } = args;
  const serviceName = `qk-${stack}-worker-${plan.name}`;
  return {
    containerSpec: {
      image: args.image,
      // One hostname per slot, so each replica is its own Celery node (%h: Celery expands it to the hostname).
      hostname: `${serviceName}-{{.Task.Slot}}`,
      commands: workerArgv(pool, plan, `${plan.name}@%h`),
      env: {
        PYTHONPATH: `/app:${configDir}:${secretDir}`,
        QUEUEKIT_LIVENESS_FILE: LIVENESS_FILE,
        ...Object.fromEntries(plainEnvs(pool).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
      },
      user: pool.runAs,
      readOnly: true,
      capDrops: ["ALL"],
      mounts: [{ type: "tmpfs", target: "/tmp", tmpfsOptions: { sizeBytes: TMPFS_BYTES, mode: 0o1777 } }],
      healthcheck: {
        tests: ["CMD-SHELL", `test $(( $(date +%s) - $(stat -c %Y ${LIVENESS_FILE}) )) -lt ${LIVENESS_MAX_AGE_S}`],
        interval: "30s",
        timeout: "15s",
        retries: 3,
        startPeriod: "20s",
      },
      stopSignal: "SIGTERM",
      stopGracePeriod: goDuration(stopTimeoutOf(pool)),
    },
    resources: {
      limits: { memoryBytes: plan.limit.bytes },
      // Reserved = limit: the scheduler places a task only where its whole planned limit is still unreserved.
      reservation: { memoryBytes: plan.limit.bytes },
    },
    restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 5, window: "2m" },
    placement: { constraints: [...(pool.swarm?.constraints ?? [])] },
    logDriver: { name: rotatedLogs.logDriver, options: { ...rotatedLogs.logOpts } },
  };
}

/** One Celery worker pool as a Swarm service: `replicas` tasks, each with the planned limit reserved. */
export class SwarmPool extends pulumi.ComponentResource {
  public readonly service: docker.Service;
  public readonly serviceName: string;
  /** Celery node names of the tasks: slots 1…replicas (Swarm numbers them from 1). */
  public readonly nodeNames: string[];

  constructor(name: string, args: SwarmPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, pool, plan } = args;
    // The same summary as WorkerPool's: what the policy pack's Celery rules read.
    const summary = {
      pool: plan.pool,
      concurrency: plan.concurrency,
      replicas: plan.replicas,
      memoryBytes: plan.limit.bytes,
      memorySwapBytes: plan.memorySwap.bytes,
      ...(plan.pool === "prefork" && {
        maxTasksPerChild: plan.maxTasksPerChild,
        maxMemoryPerChildKiB: plan.maxMemoryPerChildKiB,
        autoscale: plan.autoscale,
      }),
    };
    super("queuekit:celery:SwarmPool", name, summary, opts);
    this.serviceName = `qk-${stack}-worker-${plan.name}`;
    this.nodeNames = [...Array(plan.replicas).keys()].map((i) => `${plan.name}@${this.serviceName}-${i + 1}`);
    const labels = [...kitLabels(stack, "worker"), { label: "queuekit.pool", value: plan.name }];

    const celeryconfig = pulumi.secret(
      pulumi.output(args.brokerUrl).apply((brokerUrl) =>
        renderCeleryConfig({
          stack,
          pool,
          plan,
          brokerUrl,
          routes: args.routes,
          publishHeadroomBytes: args.publishHeadroomBytes,
          ...(args.redisCa !== undefined && { tlsCaFile: redisCaFile }),
        }),
      ),
    );
    const secret = new docker.Secret(
      `${name}-celeryconfig`,
      {
        // Not secret: 12 hex of a hash cannot give back the password, and a secret name would hide the whole taskSpec.
        name: pulumi.unsecret(celeryconfig.apply((c) => nameOf(`${this.serviceName}-conf`, c))),
        data: pulumi.secret(celeryconfig.apply(b64)),
        labels,
      },
      { parent: this },
    );
    const module = readTemplate("celery/queuekit_celery.py");
    const helper = new docker.ServiceConfig(
      `${name}-queuekit-celery`,
      { name: nameOf(`${this.serviceName}-mod`, module), data: b64(module) },
      { parent: this },
    );
    const [uid, gid] = pool.runAs.split(":");
    const ca =
      args.redisCa !== undefined
        ? new docker.ServiceConfig(
            `${name}-redis-ca`,
            {
              name: pulumi.output(args.redisCa).apply((pem) => nameOf(`${this.serviceName}-ca`, pem)),
              data: pulumi.output(args.redisCa).apply(b64),
            },
            { parent: this },
          )
        : undefined;
    // File secrets: one Swarm secret each, mounted where a container pool's worker finds them (0400, its uid).
    const appFiles = fileSecretNames(pool).map((secretName) => {
      const value = args.secrets?.[secretName];
      if (!value) throw new Error(`workers.${pool.name}: secret ${secretName} has no value`);
      const appSecret = new docker.Secret(
        `${name}-secret-${secretName}`,
        {
          name: pulumi.unsecret(
            pulumi
              .all([value, args.brokerUrl])
              .apply(([v, key]) => keyedNameOf(`${this.serviceName}-${secretName}`, key, v)),
          ),
          data: pulumi.secret(value.apply(b64)),
          labels,
        },
        { parent: this },
      );
      return {
        resource: appSecret,
        mount: {
          secretId: appSecret.id,
          secretName: appSecret.name,
          fileName: `${secretDir}/${secretName}`,
          fileUid: String(secretsOwnerOf(pool)),
          fileGid: gid,
          fileMode: Number.parseInt(SECRET_FILE_MODE, 8),
        },
      };
    });
    const task = swarmTaskSpec({ stack, pool, plan, image: args.image ?? pool.image });
    this.service = new docker.Service(
      name,
      {
        name: this.serviceName,
        labels,
        mode: { replicated: { replicas: plan.replicas } },
        taskSpec: {
          ...task,
          containerSpec: {
            ...task.containerSpec,
            // BoundedRedeliveryTask (an OOM-killed task redelivered a bounded number of times) and the celeryconfig,
            // readable by the worker's user alone where it holds the password.
            configs: [
              {
                configId: helper.id,
                configName: helper.name,
                fileName: `${configDir}/queuekit_celery.py`,
                fileMode: 0o444,
              },
              ...(ca ? [{ configId: ca.id, configName: ca.name, fileName: redisCaFile, fileMode: 0o444 }] : []),
            ],
            secrets: [
              {
                secretId: secret.id,
                secretName: secret.name,
                fileName: `${secretDir}/queuekit_celeryconfig.py`,
                fileUid: uid,
                fileGid: gid,
                fileMode: 0o400,
              },
              ...appFiles.map((f) => f.mount),
            ],
          },
          // The node's own network: Redis, a container published on redis.bind, answers there on every engine.
          networksAdvanceds: [{ name: "host" }],
        },
        // Swarm's default update (one task at a time, stop-first): a node never holds two of this pool's limits at once.
      },
      { parent: this, dependsOn: [secret, helper, ...(ca ? [ca] : []), ...appFiles.map((f) => f.resource)] },
    );
    this.registerOutputs({ ...summary, service: this.service.name });
  }
}
