import { posix } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/monitoring";
import type { ContainerMemory, RedisPlan } from "../plan/types";
import {
  EXPORTER_CA_FILE,
  EXPORTER_PASSWORD_FILE,
  EXPORTER_PORT,
  exporterArgs,
  exporterPasswordFile,
  renderAlertRules,
} from "../render/monitoring";
import { rotatedLogs } from "../render/logs";
import { EXPORTER_PIDS_LIMIT } from "../render/pids";
import { configVolume, hardened, kitLabels, publishedUrl, sideSummary } from "./common";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface MonitoringArgs {
  readonly stack: string;
  readonly config: MonitoringConfig;
  /** The exporter's limit and memorySwap (== limit), as planned. */
  readonly plan: ContainerMemory;
  /** Redis as planned: the alert thresholds (maxmemory, container limit). */
  readonly redisPlan: RedisPlan;
  readonly network: docker.Network;
  /** Redis on the stack network, e.g. redis://redis:6379 (no password). */
  readonly redisAddress: string;
  /** With redis.tls: the stack's CA certificate (PEM); redisAddress is then rediss://. */
  readonly redisCa?: pulumi.Input<string>;
  readonly redisPassword: pulumi.Input<string>;
  readonly queues: readonly string[];
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets the PIDs bound. Without it the container has none. */
  readonly run?: HostRunner;
}

/** A Prometheus Redis exporter: memory, clients, OOM refusals and the length of every Celery queue. */
export class Monitoring extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Where Prometheus scrapes, or undefined when the port is not published. */
  public readonly metricsUrl?: string;
  /** Prometheus alert rules sized from the plan, for the user's Prometheus. */
  public readonly alertRules: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config, plan } = args;
    // The component's inputs in the state: its size and where metrics are published (never the password).
    const summary = sideSummary(plan.limit.bytes, config.bind);
    super("queuekit:monitoring:Monitoring", name, summary, opts);

    const containerName = `qk-${args.stack}-monitoring`;
    // Secret: the password file. The exporter writes nothing else: no tmpfs.
    const carried = configVolume(this, name, {
      stack: args.stack,
      role: "monitoring",
      what: "monitoring",
      image: config.image,
      user: config.runAs,
      dir: posix.dirname(EXPORTER_PASSWORD_FILE),
      files: [
        {
          file: EXPORTER_PASSWORD_FILE,
          content: pulumi.secret(
            pulumi.output(args.redisPassword).apply((p) => exporterPasswordFile(args.redisAddress, p)),
          ),
        },
        ...(args.redisCa !== undefined ? [{ file: EXPORTER_CA_FILE, content: args.redisCa }] : []),
      ],
    });

    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: config.image,
        command: exporterArgs({ redisUrl: args.redisAddress, queues: args.queues, tls: args.redisCa !== undefined }),
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        volumes: [carried.mount],
        networksAdvanced: [{ name: args.network.name }],
        ...hardened(config.runAs, plan.cpuShares),
        ports: summary.publishOn ? [{ internal: EXPORTER_PORT, external: config.port, ip: summary.publishOn }] : [],
        healthcheck: {
          tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${EXPORTER_PORT}/health`],
          // Docker 20.10 runs the first check only after one interval, and `up` waits for it: keep it short.
          interval: "3s",
          timeout: "3s",
          retries: 3,
          startPeriod: "5s",
        },
        labels: [...kitLabels(args.stack, "monitoring"), carried.label],
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
      pidsLimitScript(containerName, EXPORTER_PIDS_LIMIT),
      [this.container.id],
      [this.container],
    );

    this.metricsUrl = publishedUrl(summary.publishOn, config.port, "/metrics");
    this.alertRules = renderAlertRules({
      stack: args.stack,
      monitoring: config,
      queues: args.queues,
      maxmemoryBytes: args.redisPlan.maxmemory.bytes,
      redisLimitBytes: args.redisPlan.limit.bytes,
    });
    this.registerOutputs({ ...summary, container: this.container.name, metricsUrl: this.metricsUrl });
  }
}
