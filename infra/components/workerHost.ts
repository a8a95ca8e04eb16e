// A host beside Redis' (issue 15): prepared like any VPS, its own Docker engine, the pools and beat placed on it,
// each reaching Redis at the Redis host's private address.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { QueuekitConfig } from "../config/types";
import type { HostPlan } from "../plan/hosts";
import type { WorkerPoolPlan } from "../plan/types";
import { Beat } from "./beat";
import { kitLabels } from "./common";
import { dockerEngine } from "./engine";
import { VpsHost } from "./vpsHost";
import { WorkerPool } from "./workerPool";

export interface WorkerHostArgs {
  readonly stack: string;
  readonly config: QueuekitConfig;
  /** This host: its keys, its plan, what runs on it. */
  readonly host: HostPlan;
  /** redis://:…@<Redis host's private address>:<port>/0 (secret). */
  readonly brokerUrl: pulumi.Input<string>;
  /** With redis.tls: the stack's CA certificate (PEM); its pools and beat verify Redis at its private address with it. */
  readonly redisCa?: pulumi.Input<string>;
  readonly routes: Readonly<Record<string, string>>;
  readonly publishHeadroomBytes: number;
  /** The first replica of each pool plan here, by pool plan name: numbered once across hosts. */
  readonly firstReplica: (pool: string) => number;
  /** The pool plan beat takes its app's settings from (on whichever host it is planned). */
  readonly beatPoolPlan?: WorkerPoolPlan;
  readonly sshPrivateKey?: pulumi.Input<string>;
  readonly localDockerHost: string;
  readonly appSecrets: readonly Readonly<Record<string, pulumi.Output<string>>>[];
}

/** One more host of the stack: VpsHost, a Docker provider of its own, a network, its pools and (when placed) beat. */
export class WorkerHost extends pulumi.ComponentResource {
  public readonly pools: WorkerPool[];
  public readonly beat?: Beat;

  constructor(name: string, args: WorkerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const { stack, config, host } = args;
    super("queuekit:host:WorkerHost", name, { host: host.name, privateAddress: host.privateAddress }, opts);
    const prepared = new VpsHost(
      `${name}-vps`,
      {
        stack,
        // Its own paths on the host (Redis' host keeps the one-host ones): hosts emulated on one machine never share.
        hostName: host.name,
        config: host.config,
        plan: host.plan.host,
        redisTcpBacklog: config.redis.tcpBacklog,
        sshPrivateKey: args.sshPrivateKey,
        localDockerHost: args.localDockerHost,
      },
      // Prepared after what the host waits for (Redis, so Redis' host first), reverted before it.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    // Every Docker resource of this host waits for it to be prepared; destroy goes in reverse.
    const engine = new docker.Provider(`${name}-docker`, dockerEngine(host.config.connection, args.localDockerHost), {
      parent: this,
      dependsOn: [prepared.ready],
    });
    const network = new docker.Network(
      `${name}-network`,
      { name: `qk-${stack}`, labels: kitLabels(stack, "network") },
      { parent: this, provider: engine },
    );
    const onThisHost = { parent: this, providers: { docker: engine }, dependsOn: [prepared.ready] };
    const shared = {
      stack,
      routes: args.routes,
      publishHeadroomBytes: args.publishHeadroomBytes,
      network,
      brokerUrl: args.brokerUrl,
      redisCa: args.redisCa,
      cgroupParent: prepared.cgroupParent,
      run: prepared.run,
    };

    this.pools = host.plan.workers.map(
      (plan) =>
        new WorkerPool(
          `${name}-workers-${plan.name}`,
          {
            ...shared,
            pool: config.workers[plan.source]!,
            plan,
            firstReplica: args.firstReplica(plan.name),
            secrets: args.appSecrets[plan.source],
          },
          onThisHost,
        ),
    );
    const beatPool = config.workers.findIndex((w) => w.name === (config.beat.pool ?? config.workers[0]!.name));
    if (host.plan.beat && args.beatPoolPlan)
      // After this host's pools: what it sends at once on its first start finds a consumer.
      this.beat = new Beat(
        `${name}-beat`,
        {
          ...shared,
          config: config.beat,
          plan: host.plan.beat,
          pool: config.workers[beatPool]!,
          poolPlan: args.beatPoolPlan,
          secrets: args.appSecrets[beatPool],
        },
        { ...onThisHost, dependsOn: [prepared.ready, ...this.pools] },
      );
    this.registerOutputs({ containers: this.pools.flatMap((p) => p.containers.map((c) => c.name)) });
  }
}
