// What the rules look at: every way a container's settings reach a Docker host, brought to one shape.
import type { DeliveredFile } from "../extract/assets";
import type { HostSetting } from "./deliveredFiles";
import type { Unknown, Val } from "../parse/propertyValues";

export interface Arg {
  readonly text: string;
  /** From the shell environment at run time ($VAR): the text is not what runs. */
  readonly dynamic: boolean;
}

export interface Port {
  /** Host address the port is published on; undefined = all interfaces (Docker's default). */
  readonly hostIp: Val<string>;
  readonly hostPort: Val<string>;
  readonly containerPort: Val<string>;
  /** Swarm ingress: published on every node's every interface whatever the address. */
  readonly everywhere?: boolean;
}

/** One container (or a set of identical replicas), wherever it was declared. */
export interface ContainerSpec {
  /** Where it was found, for messages: "docker.Container", "create: `docker run …` (line 3)", "compose service redis in /srv/q/compose.yml". */
  readonly origin: string;
  readonly kind: "container" | "service" | "cli" | "compose";
  /** The Docker host it runs on (see hosts.ts). */
  readonly host: Val<string>;
  readonly name: Val<string>;
  readonly image: Val<string>;
  readonly replicas: Val<number>;
  /** Hard limit in bytes; undefined = none. */
  readonly memory: Val<number>;
  /** memory + swap in bytes; -1 = unlimited swap; undefined = Docker's default (swap = memory again). */
  readonly memorySwap: Val<number>;
  /** False for Swarm services: Swarm has no swap setting. */
  readonly swapSettable: boolean;
  readonly memoryReservation: Val<number>;
  readonly oomKillDisable: Val<boolean>;
  readonly oomScoreAdj: Val<number>;
  readonly privileged: Val<boolean>;
  readonly capAdd: Val<string[]>;
  /** "no" | "always" | "unless-stopped" | "on-failure" | "on-failure:N"; undefined = Docker's default "no". */
  readonly restart: Val<string>;
  readonly healthcheck: Val<"set" | "disabled" | "absent">;
  readonly logDriver: Val<string>;
  readonly logOpts: Val<Record<string, string>>;
  readonly ports: Val<Port[]>;
  readonly publishAll: Val<boolean>;
  readonly networkMode: Val<string>;
  /** Entrypoint + command as run; undefined = the image's defaults. */
  readonly argv: Val<Arg[]>;
  /** Files visible inside the container: uploads, and host files the same resource writes that are bind-mounted. */
  readonly files: readonly DeliveredFile[];
  /** Host paths bind-mounted into the container (absolute), so files other resources deliver there can be read. */
  readonly binds?: readonly Bind[];
  /** The script a CLI container came from (create/update/delete of a Command). */
  readonly script?: "create" | "update" | "delete";
  /** CIS 5.x runtime hardening as set; undefined where the source is not read for it (see Hardening). */
  readonly hardening?: Hardening;
}

/**
 * Runtime hardening settings (the container-hardening advisories). A key absent from `settable` cannot be set
 * through this kind of source (Swarm services have no CPU weight, no-new-privileges or capability drops in
 * the provider; docker.Container has no PIDs limit): its rule reports that instead of a missing value.
 */
export interface Hardening {
  readonly readOnlyRoot: Val<boolean>;
  readonly capDrop: Val<string[]>;
  readonly securityOpts: Val<string[]>;
  readonly pidsLimit: Val<number>;
  readonly cpuShares: Val<number>;
  readonly user: Val<string>;
  readonly settable: ReadonlySet<HardeningKey>;
}

export type HardeningKey = Exclude<keyof Hardening, "settable">;

export const ALL_HARDENING: ReadonlySet<HardeningKey> = new Set([
  "readOnlyRoot",
  "capDrop",
  "securityOpts",
  "pidsLimit",
  "cpuShares",
  "user",
]);

/** A bind mount: an absolute host path and where it appears inside the container. */
export interface Bind {
  readonly source: string;
  readonly target: string;
}

/** `docker compose -f PATH` in a command: PATH is a compose file whatever its name. */
export interface ComposeRef {
  readonly path: string;
  readonly host: Val<string>;
}

/** `docker update` of existing containers. */
export interface ContainerUpdate {
  readonly origin: string;
  readonly containers: string[];
  readonly memory: Val<number>;
  readonly memorySwap: Val<number>;
  readonly memoryReservation: Val<number>;
}

/** A file that lands on a host (CopyToRemote, or written by a command). */
export interface HostFile extends DeliveredFile {
  readonly origin: string;
  readonly host: Val<string>;
}

export interface LocatedSetting extends HostSetting {
  readonly host: Val<string>;
}

/** Everything one resource contributes. */
export interface Extraction {
  readonly containers: ContainerSpec[];
  readonly updates: ContainerUpdate[];
  readonly files: HostFile[];
  readonly hostSettings: LocatedSetting[];
  /** Files a command hands to `docker compose -f`. */
  readonly composeRefs: ComposeRef[];
  /** Sources the pack could not read at all (unknown command strings, unreadable assets). */
  readonly opaque: Unknown[];
  /** Parse problems worth telling the user (unterminated quote, invalid YAML…). */
  readonly problems: string[];
}

export const emptyExtraction = (): Extraction => ({
  containers: [],
  updates: [],
  files: [],
  hostSettings: [],
  composeRefs: [],
  opaque: [],
  problems: [],
});

/** `docker.Container "redis"`, `create: \`docker run …\``, `compose service "redis" in /srv/compose.yml`. */
export function where(c: ContainerSpec): string {
  const named = typeof c.name === "string" ? ` "${c.name}"` : "";
  return c.kind === "container" || c.kind === "service" ? `${c.origin}${named}` : c.origin;
}
