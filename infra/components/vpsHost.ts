import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { HostConfig } from "../config/types";
import type { MemoryPlan } from "../plan/types";
import { cgroupParentOf, targetLabel } from "../render/host/paths";
import { renderHostSteps } from "../render/host/steps";
import { DEFAULT_DOCKER_CONFIG, type DockerOptions, type HostStep, type StepName } from "../render/host/types";
import { asRoot, shq } from "../render/shell";

export interface VpsHostArgs {
  readonly stack: string;
  /**
   * A several-host stack's host other than Redis' (WorkerHost): every path the steps write carries it, so two such
   * hosts on one machine (the e2e) never share a file or a record. Absent (one host, Redis' host): the paths as they
   * always were, so an existing stack's steps keep their hashes and are not replaced.
   */
  readonly hostName?: string;
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
  /** The engine `run`'s local commands reach (the docker provider's `host`); default the local unix socket. */
  readonly localDockerHost?: string;
}

type StepResource = command.remote.Command | command.local.Command;

/** Runs `script` on the Docker engine's host, as root, again whenever one of `triggers` changes. */
export type HostRunner = (
  parent: pulumi.Resource,
  name: string,
  script: string,
  triggers: pulumi.Input<unknown>[],
  dependsOn: pulumi.Resource[],
) => pulumi.Resource;

/** The local engine the program's docker provider talks to (infra/index.ts): the docker CLI is pointed at it too. */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

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
  /** A command on the engine's host over the steps' connection (`docker update` of what the provider cannot set). */
  public readonly run: HostRunner;

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
      hostName: args.hostName,
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
      // Children do not inherit the component's dependsOn: the first step takes it, so the host is prepared after
      // (and reverted before) what it depends on — on one machine, the kernel values the other host recorded.
      steps[step.name] = stepCommand(
        this,
        `${name}-${step.name}`,
        step,
        args,
        step.after.length ? dependsOn : opts?.dependsOn,
      );
    }
    this.steps = steps;
    this.run = (parent, runName, script, triggers, dependsOn) =>
      hostCommand(
        parent,
        runName,
        args,
        {
          create: asRoot(script, connection),
          triggers,
          addPreviousOutputInEnv: false,
          // Locally, the docker CLI talks to the engine the provider uses, whatever DOCKER_HOST the caller's shell has.
          localEnvironment: { DOCKER_HOST: args.localDockerHost ?? LOCAL_DOCKER_HOST },
        },
        dependsOn,
      );
    this.ready = this;
    this.cgroupParent = host.emulate ? cgroupParentOf(stack, args.hostName) : undefined;
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
  dependsOn: pulumi.CustomResourceOptions["dependsOn"],
): StepResource {
  const connection = args.config.connection;
  return hostCommand(
    parent,
    name,
    args,
    {
      create: asRoot(step.create, connection),
      delete: step.delete && asRoot(step.delete, connection),
      // The hash of what the step installs: a change replaces the command (new create, then the old delete,
      // which finds a newer version in place and reverts nothing); no change, no run.
      triggers: [step.hash],
      // PULUMI_COMMAND_STDOUT would need sshd's AcceptEnv; the steps keep their records on the host instead.
      addPreviousOutputInEnv: false,
    },
    dependsOn,
  );
}

interface HostScript {
  readonly create: string;
  readonly delete?: string;
  readonly triggers: pulumi.Input<unknown>[];
  readonly addPreviousOutputInEnv: boolean;
  /** Environment of a local command (a remote one runs in the login's own). */
  readonly localEnvironment?: Record<string, string>;
}

/** One command on the host: local with sh, or remote over the host's SSH connection (its key kept secret). */
function hostCommand(
  parent: pulumi.Resource,
  name: string,
  args: VpsHostArgs,
  common: HostScript,
  dependsOn: pulumi.CustomResourceOptions["dependsOn"],
): StepResource {
  const connection = args.config.connection;
  const opts: pulumi.CustomResourceOptions = { parent, dependsOn };
  const { localEnvironment, ...script } = common;
  if (connection.kind === "local") {
    const local = { ...script, ...(localEnvironment && { environment: localEnvironment }) };
    return new command.local.Command(name, { ...local, interpreter: ["/bin/sh", "-c"] }, opts);
  }
  return new command.remote.Command(
    name,
    {
      ...script,
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

/** `docker update --pids-limit <limit> <container>`: CIS 5.29's bound, which neither docker provider can set. */
export function pidsLimitScript(container: string, limit: number): string {
  return `docker update --pids-limit ${limit} ${shq(container)}`;
}
