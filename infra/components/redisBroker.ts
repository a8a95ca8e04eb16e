import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { RedisConfig } from "../config/types";
import type { RedisPlan } from "../plan/types";
import { REDIS_TLS_DIR, renderRedisConf } from "../render/redisConf";
import { rotatedLogs } from "../render/logs";
import { REDIS_PIDS_LIMIT } from "../render/pids";
import { configVolume, hardened, kitLabels } from "./common";
import type { RedisTlsMaterial } from "./redisTls";
import { pidsLimitScript, type HostRunner } from "./vpsHost";

export interface RedisBrokerArgs {
  readonly stack: string;
  /** Image, port, where it is published (bind), tcp-backlog, activedefrag. */
  readonly config: RedisConfig;
  /** Limit, memorySwap (== limit), maxmemory, policy and persistence, as planned. */
  readonly plan: RedisPlan;
  readonly network: docker.Network;
  readonly password: pulumi.Input<string>;
  /** Parent cgroup that emulates a small VPS on a big machine (local target only). */
  readonly cgroupParent?: string;
  /** Commands on the engine's host (VpsHost.run): sets the PIDs bound. Without it the container has none. */
  readonly run?: HostRunner;
  /** With redis.tls: the stack's CA, server certificate and key (secrets), delivered as files. */
  readonly tls?: RedisTlsMaterial;
}

const confDir = "/usr/local/etc/redis";
const confPath = `${confDir}/redis.conf`;
/**
 * The TLS files sit beside redis.conf (which holds the password), in the same carrier: readable by Redis' uid inside
 * this container only. An upload owned by Redis' uid came out as another uid (the provider maps it through the host's
 * user names), so the files keep the carrier's default owner and are read-only (0444).
 */
const tlsDir = REDIS_TLS_DIR;
/** Redis' name on the stack's Docker network. */
export const REDIS_ALIAS = "redis";

/** Redis as the Celery broker: hard memory limit, tuned redis.conf, private network, health-checked. */
export class RedisBroker extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
  /** redis://:<password>@<name>:<port>/0 for workers on the same network (secret). */
  public readonly url: pulumi.Output<string>;
  /** redis://<name>:<port> on the stack's network, without the password (for the exporter). */
  public readonly address: string;
  public readonly maxmemoryBytes: pulumi.Output<number>;

  constructor(name: string, args: RedisBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, config, plan } = args;
    const publishOn = config.bind === "none" ? undefined : config.bind;
    // What the policy pack reads (bytes; never the password): redis-maxmemory-*, redis-broker-eviction-safe, redis-not-public.
    const summary = {
      memoryBytes: plan.limit.bytes,
      maxmemoryBytes: plan.maxmemory.bytes,
      maxmemoryPolicy: plan.policy,
      persistence: plan.persistence,
      auth: true,
      publishOn,
    };
    super("queuekit:redis:RedisBroker", name, summary, opts);
    const containerName = `qk-${args.stack}-redis`;

    this.volume = new docker.Volume(
      `${name}-data`,
      { name: `qk-${args.stack}-redis-data`, labels: kitLabels(args.stack, "redis") },
      { parent: this },
    );

    // Secret: the rendered file holds the password. Read-only for Redis, through the carrier's volume.
    const carried = configVolume(this, name, {
      stack,
      role: "redis",
      what: "redis",
      image: config.image,
      user: config.runAs,
      dir: confDir,
      files: [
        {
          file: confPath,
          content: pulumi.secret(
            pulumi.output(args.password).apply((p) => renderConf(stack, config, plan, p, args.tls && tlsDir)),
          ),
        },
        ...(args.tls
          ? [
              { file: `${tlsDir}/ca.crt`, content: args.tls.ca, permissions: "0444" },
              { file: `${tlsDir}/server.crt`, content: args.tls.cert, permissions: "0444" },
              { file: `${tlsDir}/server.key`, content: args.tls.key, permissions: "0444" },
            ]
          : []),
      ],
    });

    const tlsCli = args.tls ? ` --tls --cacert ${tlsDir}/ca.crt` : "";

    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: config.image,
        command: ["redis-server", confPath],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        // Redis writes only to /data (AOF, RDB, rewrite temp files): its volume.
        volumes: [{ volumeName: this.volume.name, containerPath: "/data" }, carried.mount],
        ...hardened(config.runAs, plan.cpuShares),
        networksAdvanced: [{ name: args.network.name, aliases: [REDIS_ALIAS] }],
        ports: publishOn ? [{ internal: config.port, external: config.port, ip: publishOn }] : [],
        // The password is read from the mounted config so it never shows in `docker inspect`.
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `redis-cli -p ${config.port}${tlsCli} --no-auth-warning -a "$(sed -n 's/^requirepass //p' ${confPath})" ping | grep -q PONG`,
          ],
          interval: "5s",
          timeout: "3s",
          retries: 5,
          startPeriod: "5s",
        },
        labels: [...kitLabels(args.stack, "redis"), carried.label],
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
      pidsLimitScript(containerName, REDIS_PIDS_LIMIT),
      [this.container.id],
      [this.container],
    );

    const scheme = args.tls ? "rediss" : "redis";
    this.address = `${scheme}://${REDIS_ALIAS}:${config.port}`;
    this.url = pulumi.secret(pulumi.interpolate`${scheme}://:${args.password}@${REDIS_ALIAS}:${config.port}/0`);
    this.maxmemoryBytes = pulumi.output(plan.maxmemory.bytes);
    this.registerOutputs({ ...summary, url: this.url, container: this.container.name });
  }
}

/** The broker's redis.conf: sizes and policy from the plan, the rest from its config. */
function renderConf(
  stack: string,
  config: RedisConfig,
  plan: RedisPlan,
  password: string,
  tlsDirectory: string | undefined,
): string {
  return renderRedisConf({
    stack,
    port: config.port,
    password,
    tcpBacklog: config.tcpBacklog,
    maxmemoryBytes: plan.maxmemory.bytes,
    containerLimitBytes: plan.limit.bytes,
    maxmemoryPolicy: plan.policy,
    persistence: plan.persistence,
    activeDefrag: config.activeDefrag,
    ...(tlsDirectory && { tlsDir: tlsDirectory }),
  });
}
