import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { FlowerConfig } from "../config/flower";
import type { ContainerMemory } from "../plan/types";
import {
  FLOWER_CELERY_MODULE,
  FLOWER_CONFIG_DIR,
  FLOWER_CONFIG_FILE,
  FLOWER_PORT,
  flowerArgv,
  renderFlowerCelerySettings,
  renderFlowerConfig,
} from "../render/flower";
import { rotatedLogs } from "../render/logs";
import { hardened, kitLabels, publishedUrl, sideSummary } from "./common";

export interface FlowerArgs {
  readonly stack: string;
  readonly config: FlowerConfig;
  /** Its limit and memorySwap (== limit), as planned. */
  readonly plan: ContainerMemory;
  readonly network: docker.Network;
  /** redis://… with the password (secret). */
  readonly brokerUrl: pulumi.Input<string>;
  /** The basic-auth password (the secret queuekit:flowerPassword). */
  readonly password: pulumi.Input<string>;
  readonly cgroupParent?: string;
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
      pulumi.output(args.brokerUrl).apply((url) => renderFlowerCelerySettings(stack, url)),
    );
    const flowerConfig = pulumi.secret(pulumi.output(args.password).apply((p) => renderFlowerConfig(config, p)));
    this.container = new docker.Container(
      name,
      {
        name: `qk-${stack}-flower`,
        image: config.image,
        command: flowerArgv(),
        envs: [`PYTHONPATH=${FLOWER_CONFIG_DIR}`],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        uploads: [
          { file: `${FLOWER_CONFIG_DIR}/${FLOWER_CELERY_MODULE}.py`, content: celerySettings },
          { file: FLOWER_CONFIG_FILE, content: flowerConfig },
        ],
        networksAdvanced: [{ name: args.network.name }],
        ...hardened(plan.cpuShares),
        // The provider delivers uploads into the root filesystem before the start, which Docker refuses read-only.
        readOnly: false,
        ports: summary.publishOn ? [{ internal: FLOWER_PORT, external: config.port, ip: summary.publishOn }] : [],
        healthcheck: {
          // /healthcheck answers without auth; wget is in the local image (and in upstream's alpine one).
          tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${FLOWER_PORT}/healthcheck`],
          interval: "10s",
          timeout: "5s",
          retries: 3,
          startPeriod: "20s",
        },
        labels: kitLabels(stack, "flower"),
        cgroupParent: args.cgroupParent,
        ...rotatedLogs,
        wait: true,
        waitTimeout: 90,
      },
      { parent: this, deleteBeforeReplace: true },
    );

    this.url = publishedUrl(summary.publishOn, config.port);
    this.registerOutputs({ ...summary, container: this.container.name, url: this.url });
  }
}
