import { posix } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PrometheusConfig } from "../config/monitoring";
import type { ContainerMemory } from "../plan/types";
import { rotatedLogs } from "../render/logs";
import {
  ALERT_RULES_FILE,
  goMemLimit,
  PROMETHEUS_CONFIG_FILE,
  PROMETHEUS_PORT,
  prometheusArgs,
  renderPrometheusConfig,
} from "../render/prometheus";
import { PROMETHEUS_PIDS_LIMIT } from "../render/pids";
import { configVolume, hardened, kitLabels, publishedUrl, sideSummary } from "./common";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface PrometheusArgs {
  readonly stack: string;
  readonly config: PrometheusConfig;
  /** Its limit and memorySwap (== limit), as planned. */
  readonly plan: ContainerMemory;
  readonly network: docker.Network;
  /** The exporter's container name: its host name on the stack network. */
  readonly exporterHost: pulumi.Input<string>;
  /** The stack's alert rules (Monitoring.alertRules). */
  readonly alertRules: string;
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets the PIDs bound. Without it the container has none. */
  readonly run?: HostRunner;
}

/** Prometheus' working directory (the image's WORKDIR): its TSDB (`metrics2`), on a volume of its own. */
const DATA_DIR = "/var/lib/prometheus";

/** A Prometheus that scrapes the stack's Redis exporter and evaluates its alert rules. */
export class Prometheus extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** The TSDB: the only path Prometheus writes; a volume keeps it across restarts and out of its memory. */
  public readonly volume: docker.Volume;
  /** Its HTTP API and UI (/api/v1/alerts), or undefined when the port is not published. */
  public readonly url?: string;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config, plan } = args;
    const summary = sideSummary(plan.limit.bytes, config.bind);
    super("queuekit:monitoring:Prometheus", name, summary, opts);

    const containerName = `qk-${args.stack}-prometheus`;
    const carried = configVolume(this, name, {
      stack: args.stack,
      role: "prometheus",
      what: "prometheus",
      image: config.image,
      user: config.runAs,
      dir: posix.dirname(PROMETHEUS_CONFIG_FILE),
      files: [
        {
          file: PROMETHEUS_CONFIG_FILE,
          content: pulumi
            .output(args.exporterHost)
            .apply((exporterHost) => renderPrometheusConfig({ stack: args.stack, prometheus: config, exporterHost })),
        },
        { file: ALERT_RULES_FILE, content: args.alertRules },
      ],
    });
    // A new volume starts with the image's directory (owned by its prometheus user).
    this.volume = new docker.Volume(
      `${name}-data`,
      { name: `qk-${args.stack}-prometheus-data`, labels: kitLabels(args.stack, "prometheus") },
      { parent: this },
    );

    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: config.image,
        command: prometheusArgs(config),
        envs: [`GOMEMLIMIT=${goMemLimit(plan.limit.bytes)}`],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        volumes: [{ volumeName: this.volume.name, containerPath: DATA_DIR }, carried.mount],
        networksAdvanced: [{ name: args.network.name }],
        ...hardened(config.runAs, plan.cpuShares),
        ports: summary.publishOn ? [{ internal: PROMETHEUS_PORT, external: config.port, ip: summary.publishOn }] : [],
        healthcheck: {
          tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PROMETHEUS_PORT}/-/ready`],
          interval: "3s",
          timeout: "3s",
          retries: 3,
          startPeriod: "10s",
        },
        labels: [...kitLabels(args.stack, "prometheus"), carried.label],
        cgroupParent: args.cgroupParent,
        ...rotatedLogs,
        wait: true,
        waitTimeout: 60,
      },
      // networkMode: each plugin records its own (ours the first network, the bridged one `bridge`); a switch must not replace.
      { parent: this, deleteBeforeReplace: true, ignoreChanges: ["networkMode"] },
    );
    args.run?.(
      this,
      `${name}-pids`,
      pidsLimitScript(containerName, PROMETHEUS_PIDS_LIMIT),
      [this.container.id],
      [this.container],
    );

    this.url = publishedUrl(summary.publishOn, config.port);
    this.registerOutputs({ ...summary, container: this.container.name, url: this.url });
  }
}
