// What host rendering takes and gives: the input (host config, planned memory, daemon.json handling) and the steps.
import type { HostConfig } from "../../config/types";

export const DEFAULT_DOCKER_CONFIG = "/etc/docker/daemon.json";

export type DockerRestart = "auto" | "never";

export interface DockerOptions {
  /** Write daemon.json (and restart the engine when it changed). False leaves the engine's config alone. */
  readonly manage: boolean;
  /** The engine's daemon.json (snap's Docker reads /var/snap/docker/current/config/daemon.json). */
  readonly configFile: string;
  /** "auto": restart the dockerd that reads configFile (systemd's, or one started by hand); "never": only write it. */
  readonly restart: DockerRestart;
}

export interface HostRenderInput {
  readonly stack: string;
  /** A several-host stack's host other than Redis': its name goes into every path (hostPaths). */
  readonly hostName?: string;
  readonly host: HostConfig;
  /** host.memory as planned (plan.host.memory.bytes: whole MiB): the boot check and the emulated cgroup use it. */
  readonly memory: number;
  /** Redis' tcp-backlog: net.core.somaxconn must not be below it. */
  readonly redisTcpBacklog: number;
  readonly docker: DockerOptions;
}

export type StepName = "boot" | "docker-install" | "docker-daemon" | "sysctl" | "thp" | "swap" | "cgroup";

/** One idempotent step: `create` records what it changes, installs, applies and reads back; `delete` restores. */
export interface HostStep {
  readonly name: StepName;
  /** sha256 of what the step puts on the host: the Command's trigger, so only a changed step reruns. */
  readonly hash: string;
  /** The files it installs (path → content), for snapshots and for policies to read. */
  readonly files: Readonly<Record<string, string>>;
  readonly create: string;
  readonly delete?: string;
  /** Steps that must be done first. */
  readonly after: readonly StepName[];
}
