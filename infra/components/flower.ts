import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { FlowerConfig } from "../config/flower";
import type { ContainerMemory } from "../plan/types";
import {
  FLOWER_CELERY_MODULE,
  FLOWER_CONFIG_DIR,
  FLOWER_CONFIG_FILE,
  FLOWER_PORT,
  FLOWER_PIDS_LIMIT,
  FLOWER_REDIS_CA_FILE,
  flowerArgv,
  renderFlowerCelerySettings,
  renderFlowerConfig,
} from "../render/flower";
import { rotatedLogs } from "../render/logs";
import { configVolume, hardened, kitLabels, publishedUrl, sideSummary, tmpfsOf } from "./common";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface FlowerArgs {
  readonly stack: string;
  readonly config: FlowerConfig;
  /** Its limit and memorySwap (== limit), as planned. */
  readonly plan: ContainerMemory;
  readonly network: docker.Network;
  /** redis://… with the password (secret); rediss://… with redis.tls. */
  readonly brokerUrl: pulumi.Input<string>;
  /** With redis.tls: the stack's CA certificate (PEM), beside the settings module that points at it. */
  readonly redisCa?: pulumi.Input<string>;
  /** The basic-auth password (the secret queuekit:flowerPassword). */
  readonly password: pulumi.Input<string>;
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets the PIDs bound. Without it the container has none. */
  readonly run?: HostRunner;
}

/** Flower on the stack network, its UI behind basic auth, published on loopback or a private address only. */
export class Flower extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Its UI, or undefined when the port is not published. */
  public readonly url?: string;

  constructor(name: string, args: FlowerArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, config, plan } = args;
    // For the policy pack's exposure rule: its size and where it is published (never the password).
    const summary = { ...sideSummary(plan.limit.bytes, config.bind), auth: true };
    super("queuekit:monitoring:Flower", name, summary, opts);

    // Both files carry a secret: uploaded (not in docker inspect), and encrypted in the state.
    const celerySettings = pulumi.secret(
      pulumi
        .output(args.brokerUrl)
        .apply((url) =>
          renderFlowerCelerySettings(stack, url, args.redisCa !== undefined ? FLOWER_REDIS_CA_FILE : undefined),
        ),
    );
    const flowerConfig = pulumi.secret(pulumi.output(args.password).apply((p) => renderFlowerConfig(config, p)));
    // Its root filesystem is read-only: the files reach it through a carrier's volume, mounted read-only.
    const carried = configVolume(this, name, {
      stack,
      role: "flower",
      what: "flower",
      image: config.image,
      user: config.runAs,
      dir: FLOWER_CONFIG_DIR,
      files: [
        { file: `${FLOWER_CONFIG_DIR}/${FLOWER_CELERY_MODULE}.py`, content: celerySettings },
        { file: FLOWER_CONFIG_FILE, content: flowerConfig },
        ...(args.redisCa !== undefined ? [{ file: FLOWER_REDIS_CA_FILE, content: args.redisCa }] : []),
      ],
    });
    const containerName = `qk-${stack}-flower`;
    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: config.image,
        command: flowerArgv(),
        envs: [`PYTHONPATH=${FLOWER_CONFIG_DIR}`],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        volumes: [carried.mount],
        networksAdvanced: [{ name: args.network.name }],
        // In memory only (persistent = False): /tmp for a library's temporary file.
        ...hardened(config.runAs, plan.cpuShares, { "/tmp": tmpfsOf("8m") }),
        ports: summary.publishOn ? [{ internal: FLOWER_PORT, external: config.port, ip: summary.publishOn }] : [],
        healthcheck: {
          // /healthcheck answers without auth; wget is in the local image (and in upstream's alpine one).
          tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${FLOWER_PORT}/healthcheck`],
          interval: "10s",
          timeout: "5s",
          retries: 3,
          startPeriod: "20s",
        },
        labels: [...kitLabels(stack, "flower"), carried.label],
        cgroupParent: args.cgroupParent,
        ...rotatedLogs,
        wait: true,
        waitTimeout: 90,
      },
      // networkMode: each plugin records its own (ours the first network, the bridged one `bridge`); a switch must not replace.
      { parent: this, deleteBeforeReplace: true, ignoreChanges: ["networkMode"] },
    );
    args.run?.(
      this,
      `${name}-pids`,
      pidsLimitScript(containerName, FLOWER_PIDS_LIMIT),
      [this.container.id],
      [this.container],
    );

    this.url = publishedUrl(summary.publishOn, config.port);
    this.registerOutputs({ ...summary, container: this.container.name, url: this.url });
  }
}
