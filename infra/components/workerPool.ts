import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerPoolConfig } from "../config/types";
import type { WorkerPoolPlan } from "../plan/types";
import { renderCeleryConfig, stopTimeoutOf, workerArgv } from "../render/celery";
import { readTemplate } from "../render/template";
import { rotatedLogs } from "../render/logs";
import { workerPidsLimit } from "../render/pids";
import { replicaReadyScript } from "../render/rolling";
import { plainEnvs } from "../render/appEnv";
import { appSecrets } from "./appSecrets";
import { configVolume, hardened, kitLabels, tmpfsOf } from "./common";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface WorkerPoolArgs {
  readonly stack: string;
  readonly pool: WorkerPoolConfig;
  /** What the containers run (AppImage.ref: pinned by digest or image ID); absent: pool.image as the engine has it. */
  readonly image?: pulumi.Input<string>;
  readonly plan: WorkerPoolPlan;
  /** The stack's task_routes (task name → queue): every pool's app routes alike, so producers do too. */
  readonly routes: Readonly<Record<string, string>>;
  /** Bytes below Redis' maxmemory that publishing never takes (the plan's redis.publishHeadroom). */
  readonly publishHeadroomBytes: number;
  readonly network: docker.Network;
  /** redis://… with the password (secret). */
  readonly brokerUrl: pulumi.Input<string>;
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets each container's PIDs bound. Without it they have none. */
  readonly run?: HostRunner;
  /** The pool's secret values by name (readStackConfig's appSecrets); none when the pool has no secrets. */
  readonly secrets?: Readonly<Record<string, pulumi.Output<string>>>;
  /** Number of the first replica: a pool spread over hosts numbers its containers (and Celery nodes) once across them. */
  readonly firstReplica?: number;
  /** With redis.tls: the stack's CA certificate (PEM), beside the celeryconfig that points at it. */
  readonly redisCa?: pulumi.Input<string>;
}

/**
 * The only writable path of a worker: the liveness file and billiard's `pymp-*` directories (measured with
 * `docker diff`); its pages count against the container's limit, so it is small. PYTHONDONTWRITEBYTECODE (the
 * image's ENV) keeps .pyc files out of the read-only root.
 */
const WORKER_TMPFS = { "/tmp": tmpfsOf("16m") };

const configDir = "/etc/queuekit";
const redisCaFile = `${configDir}/redis-ca.crt`;
/** Written by queuekit_celery's Liveness step every 10 s while the consumer runs. */
const LIVENESS_FILE = "/tmp/queuekit-alive";
/** Three missed touches: a loaded worker may be late, a stuck one is not. */
const LIVENESS_MAX_AGE_S = 35;

/** One Celery worker pool: `replicas` containers, each with the planned limit and worker flags. */
export class WorkerPool extends pulumi.ComponentResource {
  public readonly containers: docker.Container[];
  public readonly nodeNames: string[];

  constructor(name: string, args: WorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, pool, plan } = args;
    // What the policy pack reads (bytes): celery-worker-recycling, -pool-flags-consistent, -within-container.
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
    super("queuekit:celery:WorkerPool", name, summary, opts);
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

    // One carrier per pool: every replica mounts the same files read-only.
    const carried = configVolume(this, name, {
      stack,
      role: "worker",
      what: `worker-${plan.name}`,
      image: args.image ?? pool.image,
      user: pool.runAs,
      dir: configDir,
      files: [
        { file: `${configDir}/queuekit_celeryconfig.py`, content: celeryconfig },
        // BoundedRedeliveryTask: an OOM-killed task is redelivered a bounded number of times.
        { file: `${configDir}/queuekit_celery.py`, content: readTemplate("celery/queuekit_celery.py") },
        ...(args.redisCa !== undefined ? [{ file: redisCaFile, content: args.redisCa }] : []),
      ],
    });
    // The app's secrets: files on a read-only volume of their own, or env vars where the config asks for that.
    const secrets = appSecrets(this, name, {
      stack,
      what: `worker-${plan.name}`,
      // The image as the engine has it (a built or pinned one): the carrier is created from it.
      image: args.image ?? pool.image,
      app: pool,
      values: args.secrets ?? {},
    });
    const pidsLimit = workerPidsLimit(plan);

    this.nodeNames = [];
    this.containers = [];
    // What replica i waits for: replica i-1 consuming (or created, without a host runner).
    let previous: pulumi.Resource[] = [];
    for (let i = 0; i < plan.replicas; i++) {
      const nth = (args.firstReplica ?? 0) + i;
      const containerName = `qk-${stack}-worker-${plan.name}-${nth}`;
      const nodeName = `${plan.name}-${nth}@${containerName}`;
      this.nodeNames.push(nodeName);
      const container = new docker.Container(
        `${name}-${i}`,
        {
          name: containerName,
          hostname: containerName,
          image: args.image ?? pool.image,
          command: workerArgv(pool, plan, nodeName),
          envs: [
            `PYTHONPATH=/app:${configDir}`,
            `QUEUEKIT_LIVENESS_FILE=${LIVENESS_FILE}`,
            ...plainEnvs(pool),
            ...secrets.envs,
          ],
          memory: plan.limit.mib,
          memorySwap: plan.memorySwap.mib,
          restart: "unless-stopped",
          volumes: [carried.mount, ...(secrets.files ? [secrets.files.mount] : [])],
          networksAdvanced: [{ name: args.network.name }],
          ...hardened(pool.runAs, plan.cpuShares, WORKER_TMPFS),
          healthcheck: {
            // queuekit_celery's Liveness step touches the file from the worker's event loop; reading its age costs
            // no second Python in the container's memory (inspect ping would: ~27 MiB the plan does not count).
            tests: ["CMD-SHELL", `test $(( $(date +%s) - $(stat -c %Y ${LIVENESS_FILE}) )) -lt ${LIVENESS_MAX_AGE_S}`],
            interval: "30s",
            timeout: "15s",
            retries: 3,
            startPeriod: "20s",
          },
          // SIGTERM starts Celery's warm shutdown; Docker waits for the running tasks before SIGKILL.
          stopSignal: "SIGTERM",
          stopTimeout: stopTimeoutOf(pool),
          destroyGraceSeconds: stopTimeoutOf(pool),
          labels: [
            ...kitLabels(stack, "worker"),
            { label: "queuekit.pool", value: plan.name },
            carried.label,
            // A rotated secret is a new carrier: the replicas are replaced and start with the new files.
            ...(secrets.files ? [{ label: "queuekit.secrets", value: secrets.files.carrier.id }] : []),
          ],
          cgroupParent: args.cgroupParent,
          ...rotatedLogs,
        },
        // networkMode: each plugin records its own (ours the first network, the bridged one `bridge`); a switch must not replace.
        // Rolling: replica i is replaced after replica i-1 consumes again, so a new image (or secret) stops one
        // replica at a time (a warm shutdown within stopTimeout), the others consuming meanwhile.
        { parent: this, deleteBeforeReplace: true, ignoreChanges: ["networkMode"], dependsOn: previous },
      );
      args.run?.(this, `${name}-${i}-pids`, pidsLimitScript(containerName, pidsLimit), [container.id], [container]);
      const ready =
        i < plan.replicas - 1
          ? args.run?.(
              this,
              `${name}-${i}-ready`,
              replicaReadyScript(containerName, LIVENESS_FILE),
              [container.id],
              [container],
            )
          : undefined;
      previous = [ready ?? container];
      this.containers.push(container);
    }
    this.registerOutputs({ ...summary, containers: this.containers.map((c) => c.name) });
  }
}
