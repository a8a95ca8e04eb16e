import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { RedisPlan } from "../plan/types";
import { kitLabels, rotatedLogs } from "./common";

export interface RedisBrokerArgs {
  readonly stack: string;
  readonly image: pulumi.Input<string>;
  readonly network: docker.Network;
  /** Limit, memorySwap (== limit), maxmemory, policy and persistence, as planned. */
  readonly plan: RedisPlan;
  readonly port: number;
  /** Rendered redis.conf; secret because it holds the password. */
  readonly redisConf: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
  /** Publish the port on this host address (127.0.0.1 or a private address); undefined = not published. */
  readonly publishOn?: string;
  /** Parent cgroup that emulates a small VPS on a big machine (local target only). */
  readonly cgroupParent?: string;
}

const confPath = "/usr/local/etc/redis/redis.conf";
/** Redis' name on the stack's Docker network. */
export const REDIS_ALIAS = "redis";

/** Redis as the Celery broker: hard memory limit, tuned redis.conf, private network, health-checked. */
export class RedisBroker extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
  /** redis://:<password>@<name>:<port>/0 for workers on the same network (secret). */
  public readonly url: pulumi.Output<string>;
  public readonly maxmemoryBytes: pulumi.Output<number>;
  public readonly hostName: pulumi.Output<string>;

  constructor(name: string, args: RedisBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
    const { plan } = args;
    // What the policy pack reads (bytes; never the password): redis-maxmemory-*, redis-broker-eviction-safe, redis-not-public.
    const summary = {
      memoryBytes: plan.limit.bytes,
      maxmemoryBytes: plan.maxmemory.bytes,
      maxmemoryPolicy: plan.policy,
      persistence: plan.persistence,
      auth: true,
      publishOn: args.publishOn,
    };
    super("queuekit:redis:RedisBroker", name, summary, opts);
    const containerName = `qk-${args.stack}-redis`;

    this.volume = new docker.Volume(
      `${name}-data`,
      { name: `qk-${args.stack}-redis-data`, labels: kitLabels(args.stack, "redis") },
      { parent: this },
    );

    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: args.image,
        command: ["redis-server", confPath],
        memory: plan.limit.mib,
        memorySwap: plan.memorySwap.mib,
        restart: "unless-stopped",
        uploads: [{ file: confPath, content: pulumi.secret(args.redisConf) }],
        volumes: [{ volumeName: this.volume.name, containerPath: "/data" }],
        networksAdvanced: [{ name: args.network.name, aliases: [REDIS_ALIAS] }],
        ports: args.publishOn ? [{ internal: args.port, external: args.port, ip: args.publishOn }] : [],
        // The password is read from the mounted config so it never shows in `docker inspect`.
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `redis-cli -p ${args.port} --no-auth-warning -a "$(sed -n 's/^requirepass //p' ${confPath})" ping | grep -q PONG`,
          ],
          interval: "5s",
          timeout: "3s",
          retries: 5,
          startPeriod: "5s",
        },
        labels: kitLabels(args.stack, "redis"),
        cgroupParent: args.cgroupParent,
        ...rotatedLogs,
        wait: true,
        waitTimeout: 60,
      },
      { parent: this, deleteBeforeReplace: true },
    );

    this.hostName = pulumi.output(REDIS_ALIAS);
    this.url = pulumi.secret(pulumi.interpolate`redis://:${args.password}@${REDIS_ALIAS}:${args.port}/0`);
    this.maxmemoryBytes = pulumi.output(plan.maxmemory.bytes);
    this.registerOutputs({ ...summary, url: this.url, container: this.container.name });
  }
}
