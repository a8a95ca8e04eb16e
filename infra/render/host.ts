// Host preparation as shell steps: pure functions from the host config to the files and the scripts that
// install them (create) and undo them (delete). The same text runs over SSH and on this machine.
import { createHash } from "node:crypto";
import { hostRuleIssues, throwIssues } from "../config/rules";
import type { Connection, HostConfig } from "../config/types";
import { MiB } from "../config/units";
import { fill, readTemplate } from "./template";

/** Log rotation the engine applies to every container: the same values as components/common.ts `rotatedLogs`. */
export const DOCKER_LOG_ROTATION = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" } } as const;

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

/** Where a stack's host state lives; names carry the stack so two stacks (or a test) never share a file. */
export function hostPaths(stack: string) {
  return {
    state: `/var/lib/queuekit/${stack}`,
    sysctl: `/etc/sysctl.d/90-queuekit-${stack}.conf`,
    thpUnit: `/etc/systemd/system/queuekit-thp-${stack}.service`,
    swapFile: `/var/lib/queuekit/${stack}/swapfile`,
    cgroup: `/sys/fs/cgroup/memory/queuekit-${stack}`,
  } as const;
}

/** The cgroupParent Docker is given for an emulated host (cgroupfs driver: relative to each controller's root). */
export const cgroupParentOf = (stack: string): string => `/queuekit-${stack}`;

/** How the scripts and errors name the host: "root@203.0.113.10:22", or "localhost". */
export function targetLabel(connection: Connection): string {
  return connection.kind === "ssh" ? `${connection.user}@${connection.host}:${connection.port}` : "localhost";
}

/**
 * Refuses inputs no step could honour: a host config built without parseConfig breaking the config's host rules
 * (a ConfigError naming the key), then what only rendering needs (names, whole MiB, paths).
 */
export function validateHostInput(input: HostRenderInput): void {
  const { host, stack } = input;
  throwIssues(hostRuleIssues(host, input.redisTcpBacklog));
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) problems.push(`stack name ${JSON.stringify(stack)}: only A-Z a-z 0-9 _ . -`);
  if (host.swapFile % MiB !== 0) problems.push(`host.swapFile (${host.swapFile} bytes) must be whole MiB`);
  if (!input.docker.configFile.startsWith("/"))
    problems.push(`docker config file ${input.docker.configFile}: an absolute path`);
  if (problems.length) throw new Error(`VpsHost: ${problems.join("; ")}`);
}

// ---- the files -------------------------------------------------------------------------------------------

/** The sysctl drop-in, as written to /etc/sysctl.d. */
export function renderSysctlDropIn(input: Pick<HostRenderInput, "stack" | "host" | "redisTcpBacklog">): string {
  const { sysctl } = input.host;
  return fill(readTemplate("host/sysctl.conf.tmpl"), {
    stack: input.stack,
    overcommitMemory: sysctl.overcommitMemory,
    swappiness: sysctl.swappiness,
    somaxconn: sysctl.somaxconn,
    tcpBacklog: input.redisTcpBacklog,
  });
}

/** The kernel values the drop-in sets, as `key=value` (what is recorded, applied and read back). */
export function sysctlValues(host: HostConfig): [string, number][] {
  return [
    ["vm.overcommit_memory", host.sysctl.overcommitMemory],
    ["vm.swappiness", host.sysctl.swappiness],
    ["net.core.somaxconn", host.sysctl.somaxconn],
  ];
}

/** The oneshot unit that sets THP at every boot. */
export function renderThpUnit(stack: string, mode: HostConfig["transparentHugePages"]): string {
  return fill(readTemplate("host/thp.service.tmpl"), { stack, mode });
}

/**
 * daemon.json: rotated json-file logs for every container (an unrotated log fills a small disk), and
 * live-restore so a restart of the engine (an upgrade, this file changing) leaves the queue running.
 */
export function renderDaemonJson(): string {
  const config = {
    "live-restore": true,
    "log-driver": DOCKER_LOG_ROTATION.logDriver,
    "log-opts": DOCKER_LOG_ROTATION.logOpts,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

// ---- the steps -------------------------------------------------------------------------------------------

/** Every step for one host, in dependency order; the swap and cgroup steps only when configured. */
export function renderHostSteps(input: HostRenderInput): HostStep[] {
  validateHostInput(input);
  const { stack, host, docker } = input;
  const paths = hostPaths(stack);
  const script = scriptWriter(stack, host.connection);
  const steps: HostStep[] = [];

  // MemTotal is below the nominal size (kernel, firmware): refuse a host with less than 85% of what was planned.
  const minMemKiB = Math.floor((input.memory / 1024) * 0.85);
  steps.push(
    script.step("boot", [], {}, "1", {
      create: ["boot.sh", { memoryMiB: input.memory / MiB, minMemKiB }],
    }),
  );

  steps.push(
    script.step("docker-install", ["boot"], {}, "docker.io", {
      create: ["docker-install.sh", {}],
    }),
  );

  if (docker.manage) {
    const daemonJson = renderDaemonJson();
    const engine = { confQ: shq(docker.configFile), restart: docker.restart };
    steps.push(
      script.step("docker-daemon", ["docker-install"], { [docker.configFile]: daemonJson }, docker.configFile, {
        create: [
          "docker-daemon-apply.sh",
          { daemonJson: heredocBody(daemonJson), engineQ: shq(`true ${DOCKER_LOG_ROTATION.logDriver}`) },
          engine,
        ],
        delete: ["docker-daemon-revert.sh", {}, engine],
      }),
    );
  }

  const dropIn = renderSysctlDropIn(input);
  const want = sysctlValues(host)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  steps.push(
    script.step("sysctl", ["boot"], { [paths.sysctl]: dropIn }, paths.sysctl, {
      create: ["sysctl-apply.sh", { confQ: shq(paths.sysctl), want, dropIn: heredocBody(dropIn) }],
      delete: ["sysctl-revert.sh", { confQ: shq(paths.sysctl) }],
    }),
  );

  const unit = renderThpUnit(stack, host.transparentHugePages);
  steps.push(
    script.step("thp", ["boot"], { [paths.thpUnit]: unit }, paths.thpUnit, {
      create: [
        "thp-apply.sh",
        { unitQ: shq(paths.thpUnit), mode: host.transparentHugePages, unitText: heredocBody(unit) },
      ],
      delete: ["thp-revert.sh", { unitQ: shq(paths.thpUnit) }],
    }),
  );

  if (host.swapFile > 0) {
    const swap = {
      swapQ: shq(paths.swapFile),
      markerQ: shq(`# queuekit-${stack}: swap file (pulumi destroy removes it)`),
    };
    steps.push(
      script.step("swap", ["boot"], {}, `${paths.swapFile} ${host.swapFile}`, {
        create: ["swap-apply.sh", { ...swap, bytes: host.swapFile, mib: host.swapFile / MiB }],
        delete: ["swap-revert.sh", swap],
      }),
    );
  }

  if (host.emulate) {
    const cg = { cgroupQ: shq(paths.cgroup) };
    steps.push(
      script.step("cgroup", ["boot"], {}, `${paths.cgroup} ${input.memory}`, {
        create: ["cgroup-apply.sh", { ...cg, bytes: input.memory }],
        delete: ["cgroup-revert.sh", cg],
      }),
    );
  }
  return steps;
}

type Part = [template: string, values: Record<string, string | number>, shared?: Record<string, string | number>];

function scriptWriter(stack: string, connection: Connection) {
  const target = targetLabel(connection);
  const paths = hostPaths(stack);
  const render = (name: StepName, hash: string, [template, values, shared]: Part): string => {
    const prelude = fill(readTemplate("host/prelude.sh"), {
      step: name,
      stack,
      target,
      targetQ: shq(target),
      stateQ: shq(paths.state),
      hash,
    });
    // docker-engine.sh holds the engine functions both daemon.json scripts use.
    const lib = shared ? fill(readTemplate("host/docker-engine.sh"), shared) : "";
    return prelude + lib + fill(readTemplate(`host/${template}`), values);
  };
  return {
    step(
      name: StepName,
      after: StepName[],
      files: Record<string, string>,
      identity: string,
      scripts: { create: Part; delete?: Part },
    ): HostStep {
      // The hash covers what lands on the host (files, sizes, paths), not the script text: a new kit version
      // whose script differs reruns the step as an update, without a revert in between.
      const hash = sha256(JSON.stringify({ identity, files }));
      return {
        name,
        hash,
        files,
        after,
        create: render(name, hash, scripts.create),
        delete: scripts.delete && render(name, hash, scripts.delete),
      };
    },
  };
}

/** A file's text inside a quoted heredoc: the template adds the final newline back. */
function heredocBody(text: string): string {
  if (!text.endsWith("\n")) throw new Error("rendered file must end with a newline");
  if (/^QUEUEKIT_EOF$/m.test(text)) throw new Error("rendered file contains the heredoc delimiter");
  return text.slice(0, -1);
}

/** Single-quote for POSIX sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** For a non-root SSH user: the whole script through `sudo -n sh -c` (no password prompt: it fails clearly). */
export function asRoot(script: string, connection: Connection): string {
  return connection.kind === "ssh" && connection.user !== "root" ? `sudo -n sh -c ${shq(script)}` : script;
}
