import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { BeatConfig } from "../config/beat";
import type { WorkerPoolConfig } from "../config/types";
import type { ContainerMemory, WorkerPoolPlan } from "../plan/types";
import { BEAT_PIDS_LIMIT, beatArgv, renderBeatSettings } from "../render/beat";
import { renderCeleryConfig } from "../render/celery";
import { rotatedLogs } from "../render/logs";
import { readTemplate } from "../render/template";
import { plainEnvs } from "../render/appEnv";
import { appSecrets } from "./appSecrets";
import { configVolume, hardened, kitLabels, tmpfsOf } from "./common";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface BeatArgs {
  readonly stack: string;
  readonly config: BeatConfig;
  /** Its limit and memorySwap (== limit), as planned. */
  readonly plan: ContainerMemory;
  /** The pool whose image, app and Celery settings beat runs with (config.beat.pool, else the first). */
  readonly pool: WorkerPoolConfig;
  /** The pool's image as its containers run it (AppImage.ref); absent: pool.image. */
  readonly image?: pulumi.Input<string>;
  readonly poolPlan: WorkerPoolPlan;
  /** The stack's task_routes: a periodic heavy task reaches its heavy pool. */
  readonly routes: Readonly<Record<string, string>>;
  readonly publishHeadroomBytes: number;
  readonly network: docker.Network;
  /** redis://… with the password (secret); rediss://… with redis.tls. */
  readonly brokerUrl: pulumi.Input<string>;
  /** With redis.tls: the stack's CA certificate (PEM), beside the celeryconfig that points at it. */
  readonly redisCa?: pulumi.Input<string>;
  /** The pool's secret values by name: beat imports the same app, so it gets the pool's settings and secrets. */
  readonly secrets?: Readonly<Record<string, pulumi.Output<string>>>;
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets the PIDs bound. Without it the container has none. */
  readonly run?: HostRunner;
}

const configDir = "/etc/queuekit";
const redisCaFile = `${configDir}/redis-ca.crt`;
/** The state file is written at least every ~4 min while beat runs (sync every 3 min, a tick at most every 60 s). */
const STATE_MAX_AGE_MIN = 10;

/** The stack's one Celery beat: a single container, its schedule state on a volume of its own. */
export class Beat extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** The schedule state (each entry's last run): kept when the container is replaced. */
  public readonly volume: docker.Volume;

  constructor(name: string, args: BeatArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, config, plan, pool } = args;
    // What the policy pack can read: its size, and that it is one (replicas is fixed, not a config key).
    const summary = { memoryBytes: plan.limit.bytes, replicas: 1, pool: pool.name };
    super("queuekit:celery:Beat", name, summary, opts);

    // The pool's Celery settings (broker, serializer, routes, publish guard) plus beat's own lines.
    const celeryconfig = pulumi.secret(
      pulumi.output(args.brokerUrl).apply(
        (brokerUrl) =>
          renderCeleryConfig({
            stack,
            pool,
            plan: args.poolPlan,
            brokerUrl,
            routes: args.routes,
            publishHeadroomBytes: args.publishHeadroomBytes,
            ...(args.redisCa !== undefined && { tlsCaFile: redisCaFile }),
          }) + renderBeatSettings(stack, config),
      ),
    );
    // A new volume takes the owner of the image's stateDir (Docker copies it): the image's user can write it.
    this.volume = new docker.Volume(
      `${name}-state`,
      { name: `qk-${stack}-beat-state`, labels: kitLabels(stack, "beat") },
      { parent: this },
    );
    const containerName = `qk-${stack}-beat`;
    // Its root filesystem is read-only: the files reach it through a carrier's volume, mounted read-only.
    const carried = configVolume(this, name, {
      stack,
      role: "beat",
      what: "beat",
      image: args.image ?? pool.image,
      user: pool.runAs,
      dir: configDir,
      files: [
        { file: `${configDir}/queuekit_celeryconfig.py`, content: celeryconfig },
        { file: `${configDir}/queuekit_celery.py`, content: readTemplate("celery/queuekit_celery.py") },
        ...(args.redisCa !== undefined ? [{ file: redisCaFile, content: args.redisCa }] : []),
      ],
    });
    // The app imported by beat reads its settings at import (e.g. a schedule from an env var): the pool's env and
    // secrets, the same files and variables, on a carrier of beat's own (a rotated secret replaces beat too).
    const secrets = appSecrets(this, name, {
      stack,
      what: "beat",
      image: args.image ?? pool.image,
      app: pool,
      values: args.secrets ?? {},
    });
    this.container = new docker.Container(
      name,
      {
        name: containerName,
        hostname: containerName,
        image: args.image ?? pool.image,
        command: beatArgv(config, pool.app),
        envs: [`PYTHONPATH=/app:${configDir}`, ...plainEnvs(pool), ...secrets.envs],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        // Docker restarts it when it exits or is killed (OOM, crash); a second one never runs beside it.
        restart: "unless-stopped",
        // It writes only its state file, on its volume; /tmp for a library's temporary file.
        volumes: [
          { volumeName: this.volume.name, containerPath: config.stateDir },
          carried.mount,
          ...(secrets.files ? [secrets.files.mount] : []),
        ],
        networksAdvanced: [{ name: args.network.name }],
        ...hardened(pool.runAs, plan.cpuShares, { "/tmp": tmpfsOf("8m") }),
        healthcheck: {
          // beat writes its state file at every sync: a file older than that is a scheduler that stopped ticking.
          tests: [
            "CMD-SHELL",
            `find ${config.stateDir} -maxdepth 1 -name 'schedule*' -mmin -${STATE_MAX_AGE_MIN} | grep -q .`,
          ],
          // Go's form of 60 s: the engine reads "1m0s" back, and "60s" would be a change at every up.
          interval: "1m0s",
          timeout: "10s",
          retries: 3,
          startPeriod: "30s",
        },
        stopSignal: "SIGTERM",
        labels: [
          ...kitLabels(stack, "beat"),
          carried.label,
          ...(secrets.files ? [{ label: "queuekit.secrets", value: secrets.files.carrier.id }] : []),
        ],
        cgroupParent: args.cgroupParent,
        ...rotatedLogs,
      },
      // Never two schedulers: the old container goes before its replacement starts. networkMode: each plugin records
      // its own (ours the first network, the bridged one `bridge`); a switch must not replace.
      { parent: this, deleteBeforeReplace: true, ignoreChanges: ["networkMode"] },
    );
    args.run?.(
      this,
      `${name}-pids`,
      pidsLimitScript(containerName, BEAT_PIDS_LIMIT),
      [this.container.id],
      [this.container],
    );
    this.registerOutputs({ ...summary, container: this.container.name });
  }
}
