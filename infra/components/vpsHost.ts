import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { HostConfig } from "../config/types";
import type { MemoryPlan } from "../plan/types";
import { cgroupParentOf, targetLabel } from "../render/host/paths";
import { renderHostSteps } from "../render/host/steps";
import { DEFAULT_DOCKER_CONFIG, type DockerOptions, type HostStep, type StepName } from "../render/host/types";
import { asRoot } from "../render/shell";

export interface VpsHostArgs {
  readonly stack: string;
  readonly config: HostConfig;
  /** The host's planned figures: memory (whole MiB) and reserve. */
  readonly plan: MemoryPlan["host"];
  /** Redis' tcp-backlog: net.core.somaxconn must not be below it. */
  readonly redisTcpBacklog: number;
  /** Required with an ssh connection. Kept secret: the state holds it encrypted, no output shows it. */
  readonly sshPrivateKey?: pulumi.Input<string>;
  /** daemon.json handling; by default as config.manageDaemonJson says, at /etc/docker/daemon.json, the engine restarted when it changed. */
  readonly docker?: Partial<DockerOptions>;
  /** SSH dial attempts (with the provider's backoff) while a new host is still booting; default 30. */
  readonly dialErrorLimit?: number;
}

type StepResource = command.remote.Command | command.local.Command;

/**
 * Prepares the host for the queue: sysctl drop-in, transparent huge pages, optional swap file, Docker engine and
 * its daemon.json, and (local target with host.emulate) the parent memory cgroup that stands in for a small VPS.
 * Each step is one command whose trigger is the hash of what it installs, so a second `up` runs nothing and a
 * changed setting reruns only its step; each records the values it replaces and `destroy` puts them back.
 */
export class VpsHost extends pulumi.ComponentResource {
  /** Depend on this: every host step is done before anything that depends on it is created. */
  public readonly ready: pulumi.Resource;
  /** The commands by step name (swap and cgroup only when configured). */
  public readonly steps: Partial<Record<StepName, StepResource>>;
  /** For every kit container when the local target emulates a small host (`host.emulate`); else undefined. */
  public readonly cgroupParent?: string;

  constructor(name: string, args: VpsHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config: host, plan, stack } = args;
    const docker: DockerOptions = {
      manage: args.docker?.manage ?? host.manageDaemonJson,
      configFile: args.docker?.configFile ?? DEFAULT_DOCKER_CONFIG,
      restart: args.docker?.restart ?? "auto",
    };
    // Rendering first: a bad input throws before any resource is registered.
    const rendered = renderHostSteps({
      stack,
      host,
      memory: plan.memory.bytes,
      redisTcpBacklog: args.redisTcpBacklog,
      docker,
    });
    const connection = host.connection;
    if (connection.kind === "ssh" && args.sshPrivateKey === undefined) {
      throw new Error(`VpsHost ${name}: an ssh connection to ${targetLabel(connection)} needs sshPrivateKey`);
    }

    // A plain summary, never the key: the component's inputs (what per-resource policies see) and its
    // registered outputs (what stack policies see).
    const summary = {
      memoryBytes: plan.memory.bytes,
      reserveBytes: plan.reserve.bytes,
      swapFileBytes: host.swapFile,
      connection:
        connection.kind === "ssh"
          ? { kind: "ssh", host: connection.host, port: connection.port, user: connection.user }
          : { kind: "local" },
      sysctl: { ...host.sysctl },
      thp: host.transparentHugePages,
      emulate: host.emulate,
      redisTcpBacklog: args.redisTcpBacklog,
      docker: { ...docker },
      files: Object.assign({}, ...rendered.map((s) => s.files)) as Record<string, string>,
    };
    super("queuekit:host:VpsHost", name, summary, opts);

    const steps: Partial<Record<StepName, StepResource>> = {};
    for (const step of rendered) {
      const dependsOn = step.after.map((n) => steps[n]).filter((r): r is StepResource => r !== undefined);
      steps[step.name] = stepCommand(this, `${name}-${step.name}`, step, args, dependsOn);
    }
    this.steps = steps;
    this.ready = this;
    this.cgroupParent = host.emulate ? cgroupParentOf(stack) : undefined;
    this.registerOutputs({
      ...summary,
      steps: Object.fromEntries(Object.entries(steps).map(([n, r]) => [n, r.stdout])),
      cgroupParent: this.cgroupParent,
    });
  }
}

function stepCommand(
  parent: pulumi.Resource,
  name: string,
  step: HostStep,
  args: VpsHostArgs,
  dependsOn: pulumi.Resource[],
): StepResource {
  const connection = args.config.connection;
  const common = {
    create: asRoot(step.create, connection),
    delete: step.delete && asRoot(step.delete, connection),
    // The hash of what the step installs: a change replaces the command (new create, then the old delete,
    // which finds a newer version in place and reverts nothing); no change, no run.
    triggers: [step.hash],
    // PULUMI_COMMAND_STDOUT would need sshd's AcceptEnv; the steps keep their records on the host instead.
    addPreviousOutputInEnv: false,
  };
  const opts: pulumi.CustomResourceOptions = { parent, dependsOn };
  if (connection.kind === "local") {
    return new command.local.Command(name, { ...common, interpreter: ["/bin/sh", "-c"] }, opts);
  }
  return new command.remote.Command(
    name,
    {
      ...common,
      connection: {
        host: connection.host,
        port: connection.port,
        user: connection.user,
        privateKey: pulumi.secret(args.sshPrivateKey as pulumi.Input<string>),
        dialErrorLimit: args.dialErrorLimit ?? 30,
        perDialTimeout: 15,
      },
    },
    opts,
  );
}
