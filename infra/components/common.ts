import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Labels every kit container carries, so tests and operators can find a stack's containers. */
export function kitLabels(stack: string, role: string): { label: string; value: string }[] {
  return [
    { label: "queuekit.stack", value: stack },
    { label: "queuekit.role", value: role },
  ];
}

/** tmpfs options: a size cap (its pages count against the container's memory limit), no executables or setuid. */
export const tmpfsOf = (size: string): string => `rw,noexec,nosuid,nodev,size=${size}`;

/**
 * What every kit container runs with (CIS Docker 4.1, 5.3, 5.12, 5.13, 5.26): an explicit non-root "uid:gid" (the
 * config's runAs: the image's user, stated), a read-only root filesystem (each process writes only to a volume or to
 * the tmpfs `writable` names), no capabilities — none of the kit's processes needs one —, no privilege gain through
 * setuid files, and the plan's CPU weight. Config files reach the read-only root through a carrier's volume
 * (configVolume below); the PIDs bound (5.29) is set by pidsBound after the container is created.
 */
export function hardened(user: string, cpuShares: number, writable: Readonly<Record<string, string>> = {}) {
  return {
    user,
    readOnly: true,
    ...(Object.keys(writable).length > 0 && { tmpfs: { ...writable } }),
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    cpuShares,
  };
}

export interface ConfigFile {
  /** Absolute path inside the reading container, under the volume's directory. */
  readonly file: string;
  readonly content: pulumi.Input<string>;
  /** Octal mode (e.g. "0400") and numeric owner/group of the file; absent: the providers' default (0644, root). */
  readonly permissions?: string;
  readonly owner?: string;
  readonly group?: string;
}

export interface ConfigVolumeArgs {
  readonly stack: string;
  /** The reader's role (kitLabels); the carrier's is "<role>-config". */
  readonly role: string;
  /** The carrier's name and its volume's: `qk-<stack>-<what>-config`. */
  readonly what: string;
  /** An image the engine already has (the reader's): the carrier is created from it, never started. */
  readonly image: pulumi.Input<string>;
  /**
   * The reader's "uid:gid": the carrier never runs, yet states no root user either (CIS 4.1 reads every container).
   * Left out only where the uploads set their owner: dockerd then resolves the container's user with getent, which
   * finds no entry named "uid:gid" and refuses the upload.
   */
  readonly user: string | undefined;
  /** The directory the reader mounts the volume on, read-only; every file lies under it. */
  readonly dir: string;
  readonly files: readonly ConfigFile[];
}

export interface ConfigVolume {
  readonly volume: docker.Volume;
  /** A container that is created, receives the files, and never runs. */
  readonly carrier: docker.Container;
  /** The reader's `volumes` entry: the files, read-only, at `dir`. */
  readonly mount: { volumeName: pulumi.Output<string>; containerPath: string; readOnly: true };
  /** The reader's label naming the carrier: new files, a new carrier id, a new reader (it reads its files at start). */
  readonly label: { label: string; value: pulumi.Output<string> };
}

/**
 * Config files for a container whose root filesystem is read-only. Both providers (ours and upstream's) deliver
 * `uploads` by extracting a tar at "/" of a created container, which Docker refuses on a read-only root; so a carrier
 * container (writable root, `start: false`) receives them into a named volume, and the reader mounts that volume
 * read-only. The files never show in `docker inspect`: uploads are no part of a container's config.
 */
export function configVolume(parent: pulumi.Resource, name: string, args: ConfigVolumeArgs): ConfigVolume {
  const dir = args.dir.replace(/\/+$/, "");
  for (const f of args.files) {
    if (!f.file.startsWith(`${dir}/`))
      throw new Error(
        `configVolume ${name}: file ${JSON.stringify(f.file)} is not under the volume's directory ${JSON.stringify(dir)} — put it in ${dir}/ or mount the volume on a directory that holds it`,
      );
  }
  const volumeName = `qk-${args.stack}-${args.what}-config`;
  const labels = kitLabels(args.stack, `${args.role}-config`);
  const volume = new docker.Volume(`${name}-config`, { name: volumeName, labels }, { parent });
  const carrier = new docker.Container(
    `${name}-config`,
    {
      name: volumeName,
      image: args.image,
      ...(args.user !== undefined && { user: args.user }),
      start: false,
      // Never started, so never "failed to run": both providers leave a created container alone with mustRun off.
      mustRun: false,
      networkMode: "none",
      uploads: args.files.map((f) => ({
        file: f.file,
        content: f.content,
        ...(f.permissions && { permissions: f.permissions }),
        ...(f.owner && { owner: f.owner }),
        ...(f.group && { group: f.group }),
      })),
      volumes: [{ volumeName: volume.name, containerPath: dir }],
      labels,
    },
    { parent, deleteBeforeReplace: true },
  );
  return {
    volume,
    carrier,
    mount: { volumeName: volume.name, containerPath: dir, readOnly: true },
    label: { label: "queuekit.config", value: carrier.id },
  };
}

/** A side component's inputs in the state, for the policy pack: its size and where its port is published. */
export function sideSummary(
  limitBytes: number,
  bind: string,
): { readonly memoryBytes: number; readonly publishOn?: string } {
  return { memoryBytes: limitBytes, publishOn: bind === "none" ? undefined : bind };
}

/** `http://<address>:<port><path>` of a port published on `publishOn` (an IPv6 address in brackets), if published. */
export function publishedUrl(publishOn: string | undefined, port: number, path = ""): string | undefined {
  if (!publishOn) return undefined;
  return `http://${publishOn.includes(":") ? `[${publishOn}]` : publishOn}:${port}${path}`;
}
