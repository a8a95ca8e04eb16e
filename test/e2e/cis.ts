// CIS Docker Benchmark v1.6, section 5 "Container Runtime" (what docker-bench-security's `-c container_runtime` runs)
// and 4.1 (a non-root user: the one control of section 4, images, that a running container shows), decided from
// `docker inspect` JSON, plus `docker info` (5.1) and `docker top` (5.7). Pure: the caller gathers them.
// Given those, each WARN condition is docker-bench's or stricter, never laxer, so 0 WARN here means 0 WARN there.
// Stricter in: 4.1 (a User of root or uid 0 warns too, not only an empty one), 5.3 (an SELinux `label` option, not any SecurityOpt), 5.4 (CapDrop ALL as well), 5.6 (paths under a
// sensitive directory too), 5.14 (`::` and an empty HostIp too), 5.15 (on-failure:0 retries forever), 5.26 (`:false`
// is not set; docker-bench also passes it when dockerd runs with no-new-privileges, this check wants each container).
// 5.9 and 5.25 pass what the caller declares needed (ports) or confirmed (cgroup parents); docker-bench warns on any.
import { textTable } from "../../infra/plan/textTable";

export type CisStatus = "PASS" | "WARN" | "INFO" | "NOTE";

export interface CisResult {
  /** The CIS control, "4.1", "5.1" … "5.32". */
  readonly id: string;
  readonly title: string;
  /** The container's name, or ENGINE for a control of the Docker engine. */
  readonly container: string;
  readonly status: CisStatus;
  readonly detail: string;
}

interface PortBinding {
  readonly HostIp?: string;
  readonly HostPort?: string;
}
type PortMap = Readonly<Record<string, readonly PortBinding[] | null>>;

export interface InspectMount {
  readonly Type?: string;
  readonly Source?: string;
  readonly Destination?: string;
  readonly RW?: boolean;
  readonly Propagation?: string;
}

/** The fields of one `docker inspect <container>` element the section-5 controls read. */
export interface InspectJson {
  readonly Name: string;
  readonly Path?: string;
  readonly Args?: readonly string[] | null;
  readonly AppArmorProfile?: string;
  readonly State?: { readonly Health?: { readonly Status?: string } | null };
  readonly Config?: { readonly Image?: string; readonly User?: string };
  readonly HostConfig: {
    readonly Privileged?: boolean;
    readonly CapAdd?: readonly string[] | null;
    readonly CapDrop?: readonly string[] | null;
    readonly SecurityOpt?: readonly string[] | null;
    readonly NetworkMode?: string;
    readonly PidMode?: string;
    readonly IpcMode?: string;
    readonly UTSMode?: string;
    readonly UsernsMode?: string;
    readonly Memory?: number;
    readonly CpuShares?: number;
    readonly NanoCpus?: number;
    readonly ReadonlyRootfs?: boolean;
    readonly RestartPolicy?: { readonly Name?: string; readonly MaximumRetryCount?: number };
    readonly Devices?: readonly { readonly PathOnHost?: string; readonly PathInContainer?: string }[] | null;
    readonly Ulimits?: readonly { readonly Name: string; readonly Soft: number; readonly Hard: number }[] | null;
    readonly CgroupParent?: string;
    readonly PidsLimit?: number | null;
    readonly PortBindings?: PortMap | null;
  };
  readonly Mounts?: readonly InspectMount[] | null;
  readonly NetworkSettings?: {
    readonly Ports?: PortMap | null;
    readonly Networks?: Readonly<Record<string, unknown>> | null;
  };
}

/** The fields of `docker info --format '{{json .}}'` the checks read. */
export interface DockerInfo {
  readonly Swarm?: { readonly LocalNodeState?: string };
  readonly SecurityOptions?: readonly string[] | null;
}

export interface CisOptions {
  /** The engine's `docker info`: decides 5.1 (INFO without it) and says in 5.2/5.3 whether the host has the LSM. */
  readonly info?: DockerInfo;
  /** 5.9, per container name: the host ports it is meant to publish. Without an entry every published port WARNs. */
  readonly neededPorts?: Readonly<Record<string, readonly number[]>>;
  /** 5.25: the cgroup parents confirmed for these containers, e.g. the emulated host's `/queuekit-<stack>`. */
  readonly confirmedCgroupParents?: readonly string[];
  /** 5.7, per container name: its processes' command names (`docker top <c> -o pid,comm`). */
  readonly processes?: Readonly<Record<string, readonly string[]>>;
}

/** Controls that are host-level by nature here: their WARN says nothing about the kit's containers. */
export const HOST_LEVEL: readonly { readonly id: string; readonly reason: string }[] = [
  {
    id: "5.1",
    reason: "swarm mode is a setting of the engine the stack is deployed on; the kit neither enables nor needs it",
  },
  {
    id: "5.2",
    reason: "an AppArmor profile needs AppArmor in the host kernel; this engine has none (docker info SecurityOptions)",
  },
  {
    id: "5.3",
    reason: "SELinux labels need an SELinux host and dockerd --selinux-enabled; this host runs without SELinux",
  },
];

/**
 * Controls the kit does not meet yet, each with what stands in the way (issue 13): tolerated by the e2e check and
 * printed with it, so the list can only shrink. Empty since the read-only roots (config through a carrier's volume)
 * and the PIDs bound (`docker update --pids-limit` after each container is created): docs/hardening.md.
 */
export const KIT_GAPS: readonly { readonly id: string; readonly reason: string }[] = [];

/** The `container` of a result for a control of the Docker engine rather than of one container. */
export const ENGINE = "(engine)";

interface Verdict {
  readonly status: CisStatus;
  readonly detail: string;
}
const pass = (detail: string): Verdict => ({ status: "PASS", detail });
const warn = (detail: string): Verdict => ({ status: "WARN", detail });
const info = (detail: string): Verdict => ({ status: "INFO", detail });
const note = (detail: string): Verdict => ({ status: "NOTE", detail });

type Control =
  | { readonly id: string; readonly title: string; readonly engine: (o: CisOptions) => Verdict }
  | {
      readonly id: string;
      readonly title: string;
      readonly container: (c: InspectJson, name: string, o: CisOptions) => Verdict;
    };

/** Docker's default capability set: adding one back after dropping ALL grants nothing beyond the default. */
const DEFAULT_CAPS = new Set([
  ...["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW"],
  ...["SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"],
]);
const SENSITIVE_DIRS = ["/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"];
const WILDCARD_IPS = new Set(["", "0.0.0.0", "::"]);
const MAX_RESTARTS = 5;

const capName = (cap: string): string => cap.toUpperCase().replace(/^CAP_/, "");
const list = (xs: readonly string[]): string => (xs.length === 0 ? "none" : xs.join(", "));

/** A SecurityOpt entry split at its first "=" or ":" (both spellings are accepted by Docker). */
function securityOpts(c: InspectJson): { key: string; value: string }[] {
  return (c.HostConfig.SecurityOpt ?? []).map((opt) => {
    const at = opt.search(/[=:]/);
    return at < 0 ? { key: opt, value: "" } : { key: opt.slice(0, at), value: opt.slice(at + 1) };
  });
}

interface Published {
  readonly port: string;
  readonly hostIp: string;
  readonly hostPort?: number;
}

/** The container's published ports: the live bindings (what `docker port` shows), else the configured ones. */
function published(c: InspectJson): Published[] {
  const live = c.NetworkSettings?.Ports ?? {};
  const map = Object.values(live).some((b) => b && b.length > 0) ? live : (c.HostConfig.PortBindings ?? {});
  return Object.entries(map).flatMap(([port, bindings]) =>
    (bindings ?? []).map((b) => ({
      port,
      hostIp: b.HostIp ?? "",
      hostPort: b.HostPort ? Number(b.HostPort) : undefined,
    })),
  );
}
const showBinding = (p: Published): string => `${p.hostIp || "*"}:${p.hostPort ?? "random"}->${p.port}`;

/** ", this engine has no <lsm>" when `docker info` shows the engine runs without that security module. */
function engineLacks(o: CisOptions, lsm: string): string {
  const options = o.info?.SecurityOptions;
  if (!options || options.some((s) => s.split(",").includes(`name=${lsm}`))) return "";
  return `; this engine has no ${lsm} (docker info SecurityOptions: ${list(options)})`;
}

/** 5.10, 5.16, 5.17, 5.21, 5.31: a namespace shared with the host. */
function ownNamespace(
  mode: string | undefined,
  what: string,
  host: (mode: string) => boolean = (m) => m === "host",
): Verdict {
  const value = mode ?? "";
  return host(value) ? warn(`${what} ${value}: shares the host's namespace`) : pass(`${what} ${value || "(default)"}`);
}

function isSensitive(m: InspectMount): string | undefined {
  const source = m.Source ?? "";
  return SENSITIVE_DIRS.find(
    (dir) => source === dir || m.Destination === dir || (dir !== "/" && source.startsWith(`${dir}/`)),
  );
}

const CONTROLS: readonly Control[] = [
  {
    id: "4.1",
    title: "Ensure that a user for the container has been created",
    container: (c) => {
      const user = c.Config?.User ?? "";
      if (user === "") return warn("User empty: runs as root");
      return /^(root|0)(:|$)/.test(user) ? warn(`User ${user}: root`) : pass(`User ${user}`);
    },
  },
  {
    id: "5.1",
    title: "Ensure swarm mode is not Enabled, if not needed",
    engine: (o) => {
      const state = o.info?.Swarm?.LocalNodeState;
      if (state === undefined) return info("host-level, not decided here: no docker info given");
      return state === "inactive" ? pass("Swarm inactive") : warn(`Swarm ${state}`);
    },
  },
  {
    id: "5.2",
    title: "Ensure that, if applicable, an AppArmor Profile is enabled",
    container: (c, _name, o) => {
      const profile = c.AppArmorProfile ?? "";
      return profile === "" || profile === "unconfined"
        ? warn(`AppArmorProfile ${JSON.stringify(profile)}${engineLacks(o, "apparmor")}`)
        : pass(`AppArmorProfile ${profile}`);
    },
  },
  {
    id: "5.3",
    title: "Ensure that, if applicable, SELinux security options are set",
    container: (c, _name, o) => {
      const labels = securityOpts(c).filter((s) => s.key === "label");
      const enabled = labels.filter((s) => s.value !== "disable");
      return enabled.length > 0
        ? pass(`SecurityOpt ${list(enabled.map((s) => `label=${s.value}`))}`)
        : warn(`no SELinux label in SecurityOpt (${list(c.HostConfig.SecurityOpt ?? [])})${engineLacks(o, "selinux")}`);
    },
  },
  {
    id: "5.4",
    title: "Ensure that Linux kernel capabilities are restricted within containers",
    container: (c) => {
      const added = (c.HostConfig.CapAdd ?? []).map(capName);
      const beyond = added.filter((cap) => !DEFAULT_CAPS.has(cap));
      const dropsAll = (c.HostConfig.CapDrop ?? []).map(capName).includes("ALL");
      const problems = [
        ...(beyond.length > 0 ? [`CapAdd beyond Docker's default set: ${list(beyond)}`] : []),
        ...(dropsAll ? [] : [`CapDrop ${list(c.HostConfig.CapDrop ?? [])}, not ALL: Docker's default set stays`]),
      ];
      return problems.length > 0 ? warn(problems.join("; ")) : pass(`CapDrop ALL, CapAdd ${list(added)}`);
    },
  },
  {
    id: "5.5",
    title: "Ensure that privileged containers are not used",
    container: (c) => (c.HostConfig.Privileged ? warn("Privileged true") : pass("Privileged false")),
  },
  {
    id: "5.6",
    title: "Ensure sensitive host system directories are not mounted on containers",
    container: (c) => {
      const mounts = (c.Mounts ?? []).map((m) => ({ m, dir: isSensitive(m) })).filter((x) => x.dir !== undefined);
      const rw = mounts.filter((x) => x.m.RW);
      const show = (xs: typeof mounts) => list(xs.map((x) => `${x.m.Source}:${x.m.Destination}`));
      if (rw.length > 0) return warn(`read-write mount of a sensitive host directory: ${show(rw)}`);
      return pass(mounts.length > 0 ? `read-only only: ${show(mounts)}` : "no sensitive host directory mounted");
    },
  },
  {
    id: "5.7",
    title: "Ensure sshd is not run within containers",
    container: (c, name, o) => {
      const argv = [c.Path ?? "", ...(c.Args ?? [])];
      if (argv.some((a) => /(^|\/)sshd$/.test(a))) return warn(`runs ${argv.join(" ")}`);
      const ps = o.processes?.[name];
      if (ps === undefined) return info("no process list given (docker top); the entrypoint is not sshd");
      const sshd = ps.filter((p) => p.includes("sshd"));
      return sshd.length > 0
        ? warn(`processes: ${list(sshd)}`)
        : pass(`${ps.length} process(es), none sshd: ${list([...new Set(ps)])}`);
    },
  },
  {
    id: "5.8",
    title: "Ensure privileged ports are not mapped within containers",
    container: (c) => {
      const low = published(c).filter((p) => p.hostPort !== undefined && p.hostPort < 1025);
      return low.length > 0
        ? warn(`host port below 1025: ${list(low.map(showBinding))}`)
        : pass("no privileged host port");
    },
  },
  {
    id: "5.9",
    title: "Ensure that only needed ports are open on the container",
    container: (c, name, o) => {
      const ports = published(c);
      if (ports.length === 0) return pass("no published port");
      const needed = o.neededPorts?.[name];
      if (needed === undefined) return warn(`publishes ${list(ports.map(showBinding))}; no needed ports declared`);
      const extra = ports.filter((p) => p.hostPort === undefined || !needed.includes(p.hostPort));
      return extra.length > 0
        ? warn(`publishes ${list(extra.map(showBinding))}, not among the needed ports ${list(needed.map(String))}`)
        : pass(`publishes only its needed ports: ${list(ports.map(showBinding))}`);
    },
  },
  {
    id: "5.10",
    title: "Ensure that the host's network namespace is not shared",
    container: (c) => ownNamespace(c.HostConfig.NetworkMode, "NetworkMode"),
  },
  {
    id: "5.11",
    title: "Ensure that the memory usage for containers is limited",
    container: (c) => {
      const memory = c.HostConfig.Memory ?? 0;
      return memory > 0 ? pass(`Memory ${memory} bytes`) : warn("Memory 0: no memory limit");
    },
  },
  {
    id: "5.12",
    title: "Ensure that CPU priority is set appropriately on containers",
    container: (c) => {
      const shares = c.HostConfig.CpuShares ?? 0;
      const nano = c.HostConfig.NanoCpus ?? 0;
      return shares === 0 && nano === 0
        ? warn("CpuShares 0 and NanoCpus 0: no CPU weight or bound")
        : pass(`CpuShares ${shares}, NanoCpus ${nano}`);
    },
  },
  {
    id: "5.13",
    title: "Ensure that the container's root filesystem is mounted as read only",
    container: (c) => (c.HostConfig.ReadonlyRootfs ? pass("ReadonlyRootfs true") : warn("ReadonlyRootfs false")),
  },
  {
    id: "5.14",
    title: "Ensure that incoming container traffic is bound to a specific host interface",
    container: (c) => {
      const ports = published(c);
      const wildcard = ports.filter((p) => WILDCARD_IPS.has(p.hostIp));
      if (wildcard.length > 0) return warn(`bound to every interface: ${list(wildcard.map(showBinding))}`);
      return pass(
        ports.length > 0 ? `bound to ${list([...new Set(ports.map((p) => p.hostIp))])}` : "no published port",
      );
    },
  },
  {
    id: "5.15",
    title: "Ensure that the 'on-failure' container restart policy is set to '5'",
    container: (c) => {
      const name = c.HostConfig.RestartPolicy?.Name ?? "";
      const retries = c.HostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
      if (retries > MAX_RESTARTS) return warn(`RestartPolicy ${name}:${retries}, more than ${MAX_RESTARTS} retries`);
      if (name === "on-failure" && retries === 0) return warn("RestartPolicy on-failure:0 retries without bound");
      if (name === "always" || name === "unless-stopped")
        return info(`RestartPolicy ${name}: restarted without bound by design (docker-bench passes it)`);
      return pass(`RestartPolicy ${name || "no"}${name === "on-failure" ? `:${retries}` : ""}`);
    },
  },
  {
    id: "5.16",
    title: "Ensure that the host's process namespace is not shared",
    container: (c) => ownNamespace(c.HostConfig.PidMode, "PidMode"),
  },
  {
    id: "5.17",
    title: "Ensure that the host's IPC namespace is not shared",
    container: (c) => ownNamespace(c.HostConfig.IpcMode, "IpcMode"),
  },
  {
    id: "5.18",
    title: "Ensure that host devices are not directly exposed to containers",
    container: (c) => {
      const devices = c.HostConfig.Devices ?? [];
      return devices.length > 0
        ? info(`host devices, confirm each is needed: ${list(devices.map((d) => d.PathOnHost ?? "?"))}`)
        : pass("no host device");
    },
  },
  {
    id: "5.19",
    title: "Ensure that the default ulimit is overwritten at runtime if needed",
    container: (c) => {
      const ulimits = c.HostConfig.Ulimits ?? [];
      return ulimits.length > 0
        ? pass(`Ulimits ${list(ulimits.map((u) => `${u.Name}=${u.Soft}:${u.Hard}`))}`)
        : info("no ulimit override: the engine's defaults apply");
    },
  },
  {
    id: "5.20",
    title: "Ensure mount propagation mode is not set to shared",
    container: (c) => {
      const shared = (c.Mounts ?? []).filter((m) => (m.Propagation ?? "").includes("shared"));
      return shared.length > 0
        ? warn(`shared propagation: ${list(shared.map((m) => `${m.Destination} ${m.Propagation}`))}`)
        : pass("no shared mount propagation");
    },
  },
  {
    id: "5.21",
    title: "Ensure that the host's UTS namespace is not shared",
    container: (c) => ownNamespace(c.HostConfig.UTSMode, "UTSMode"),
  },
  {
    id: "5.22",
    title: "Ensure the default seccomp profile is not Disabled",
    container: (c) => {
      const seccomp = securityOpts(c).filter((s) => s.key === "seccomp");
      return seccomp.some((s) => s.value === "unconfined")
        ? warn("SecurityOpt seccomp=unconfined")
        : pass(seccomp.length > 0 ? "a seccomp profile of its own" : "the engine's default seccomp profile");
    },
  },
  {
    id: "5.23",
    title: "Ensure that docker exec commands are not used with the privileged option",
    engine: () => note("docker exec use is not in docker inspect: audit it in the engine's logs"),
  },
  {
    id: "5.24",
    title: "Ensure that docker exec commands are not used with the user=root option",
    engine: () => note("docker exec use is not in docker inspect: audit it in the engine's logs"),
  },
  {
    id: "5.25",
    title: "Ensure that cgroup usage is confirmed",
    container: (c, _name, o) => {
      const parent = c.HostConfig.CgroupParent ?? "";
      if (parent === "") return pass("the engine's default cgroup parent");
      return (o.confirmedCgroupParents ?? []).includes(parent)
        ? pass(`CgroupParent ${parent}, confirmed`)
        : warn(`CgroupParent ${parent}, not confirmed`);
    },
  },
  {
    id: "5.26",
    title: "Ensure that the container is restricted from acquiring additional privileges",
    container: (c) => {
      const nnp = securityOpts(c).filter((s) => s.key === "no-new-privileges");
      return nnp.some((s) => s.value === "" || s.value === "true")
        ? pass("SecurityOpt no-new-privileges")
        : warn(`no-new-privileges not set (SecurityOpt: ${list(c.HostConfig.SecurityOpt ?? [])})`);
    },
  },
  {
    id: "5.27",
    title: "Ensure that container health is checked at runtime",
    container: (c) => {
      const health = c.State?.Health;
      return health ? pass(`health ${health.Status ?? "?"}`) : warn("no healthcheck");
    },
  },
  {
    id: "5.28",
    title: "Ensure that Docker commands always make use of the latest version of their image",
    container: (c) => info(`manual: confirm image ${c.Config?.Image ?? "?"} is pinned and current`),
  },
  {
    id: "5.29",
    title: "Ensure that the PIDs cgroup limit is used",
    container: (c) => {
      const limit = c.HostConfig.PidsLimit ?? 0;
      return limit > 0 ? pass(`PidsLimit ${limit}`) : warn(`PidsLimit ${c.HostConfig.PidsLimit ?? "null"}: unbounded`);
    },
  },
  {
    id: "5.30",
    title: "Ensure that Docker's default bridge 'docker0' is not used",
    container: (c) => {
      const networks = Object.keys(c.NetworkSettings?.Networks ?? {});
      const mode = c.HostConfig.NetworkMode ?? "";
      return networks.includes("bridge") || mode === "bridge" || mode === "default"
        ? info("on the default bridge (docker0)")
        : pass(`networks: ${list(networks.length > 0 ? networks : [mode])}`);
    },
  },
  {
    id: "5.31",
    title: "Ensure that the host's user namespaces are not shared",
    container: (c) => ownNamespace(c.HostConfig.UsernsMode, "UsernsMode", (m) => /host/i.test(m)),
  },
  {
    id: "5.32",
    title: "Ensure that the Docker socket is not mounted inside any containers",
    container: (c) => {
      const sock = (c.Mounts ?? []).filter((m) => `${m.Source} ${m.Destination}`.includes("docker.sock"));
      return sock.length > 0
        ? warn(`mounts ${list(sock.map((m) => `${m.Source}:${m.Destination}`))}`)
        : pass("no Docker socket mounted");
    },
  },
];

/** Every section-5 control, in order: one result for each container (or one for the engine). */
export function cisSection5(containers: readonly InspectJson[], options: CisOptions = {}): CisResult[] {
  return CONTROLS.flatMap((control) => {
    const { id, title } = control;
    if ("engine" in control) return [{ id, title, container: ENGINE, ...control.engine(options) }];
    return containers.map((c) => {
      const name = c.Name.replace(/^\//, "");
      return { id, title, container: name, ...control.container(c, name, options) };
    });
  });
}

/** The results as a text table (id, status, container, title, detail), then the count of each status. */
export function formatCisTable(results: readonly CisResult[]): string {
  const table = textTable(
    ["id", "status", "container", "control", "detail"],
    results.map((r) => [r.id, r.status, r.container, r.title, r.detail]),
    ["l", "l", "l", "l", "l"],
  );
  const counts = (["PASS", "WARN", "INFO", "NOTE"] as const).map(
    (s) => `${results.filter((r) => r.status === s).length} ${s}`,
  );
  return `${table}\n${counts.join(", ")}`;
}
