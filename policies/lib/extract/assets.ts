// The files an asset or archive delivers (command:remote:CopyToRemote `source`), read from the asset objects
// @pulumi/policy deserializes: StringAsset (text), FileAsset (a path on the machine running `pulumi`),
// AssetArchive (named assets), FileArchive (a directory). Remote assets, zip/tar archives and unreadable
// paths come back as Unknown — the pack reports them instead of guessing.
import { existsSync, promises as fs, readlinkSync } from "fs";
import * as path from "path";
import { isRecord, isSentinel, Unknown } from "../parse/propertyValues";

export interface DeliveredFile {
  /** Where the file lands (remote path, or the path inside the container). */
  readonly path: string;
  readonly content: string | Unknown;
  /** For a host file bind-mounted into a container: where it is on the host. */
  readonly hostPath?: string;
}

/**
 * Files are read whole up to this size: a padded compose file or redis.conf must not slip past the rules.
 * Beyond it a file is reported as not inspected (settings-inspectable; mandatory under `strict`).
 */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_ARCHIVE_FILES = 1000;

/**
 * The files `value` delivers when copied to `dest`. A single asset lands at `dest` itself; an archive's files
 * land under `dest/`. `what` names the property for messages.
 */
export async function assetFiles(value: unknown, dest: string, what: string): Promise<DeliveredFile[] | Unknown> {
  if (value === undefined || value === null) return [];
  if (isSentinel(value)) return new Unknown(what);
  if (!isRecord(value)) return new Unknown(what, "is not an asset or archive the pack can read");
  if (value["__pulumiAsset"]) {
    // Copying a file asset into a directory (remotePath ending in "/") keeps its name.
    const source = "path" in value ? await value["path"] : undefined;
    const target = dest.endsWith("/") && typeof source === "string" ? dest + path.basename(source) : dest;
    return [{ path: target, content: await assetText(value, what) }];
  }
  if (value["__pulumiArchive"]) return archiveFiles(value, dest, what);
  return new Unknown(what, "is not an asset or archive the pack can read");
}

async function assetText(asset: Record<string, unknown>, what: string): Promise<string | Unknown> {
  if ("text" in asset) {
    const text = await asset["text"];
    return typeof text === "string" && !isSentinel(text) ? text : new Unknown(`${what} (text)`);
  }
  if ("path" in asset) return readLocal(await asset["path"], what);
  return new Unknown(what, "is a remote asset (its content is fetched by the provider, not visible to the pack)");
}

async function archiveFiles(
  archive: Record<string, unknown>,
  dest: string,
  what: string,
): Promise<DeliveredFile[] | Unknown> {
  if ("assets" in archive) {
    const assets = await archive["assets"];
    if (!isRecord(assets)) return new Unknown(`${what} (assets)`);
    const out: DeliveredFile[] = [];
    for (const [name, inner] of Object.entries(assets)) {
      const files = await assetFiles(inner, path.posix.join(dest, name), `${what}.${name}`);
      if (files instanceof Unknown) out.push({ path: path.posix.join(dest, name), content: files });
      else out.push(...files);
    }
    return out;
  }
  if ("path" in archive) {
    const p = await archive["path"];
    const local = typeof p === "string" ? resolveLocal(p) : undefined;
    if (!local) return new Unknown(what, `is a file archive at ${String(p)} that the pack cannot find`);
    try {
      const stat = await fs.stat(local);
      if (!stat.isDirectory())
        return new Unknown(what, `is a ${path.extname(local) || "packed"} archive (only directories are read)`);
      return await walk(local, dest);
    } catch {
      return new Unknown(what, `is a file archive at ${local} that the pack cannot read`);
    }
  }
  return new Unknown(what, "is a remote archive (fetched by the provider, not visible to the pack)");
}

async function walk(dir: string, dest: string): Promise<DeliveredFile[]> {
  const out: DeliveredFile[] = [];
  const queue: [string, string][] = [[dir, dest]];
  while (queue.length > 0 && out.length < MAX_ARCHIVE_FILES) {
    const [local, remote] = queue.shift()!;
    for (const entry of await fs.readdir(local, { withFileTypes: true })) {
      const l = path.join(local, entry.name);
      const r = path.posix.join(remote, entry.name);
      if (entry.isDirectory()) queue.push([l, r]);
      else if (entry.isFile()) out.push({ path: r, content: await readLocal(l, r) });
    }
  }
  // What is left is not read — said, not skipped in silence.
  for (const [, remote] of queue)
    out.push({
      path: remote,
      content: new Unknown(
        `directory ${remote}`,
        `is not read: the archive holds more than ${MAX_ARCHIVE_FILES} files`,
      ),
    });
  return out;
}

/**
 * A FileAsset's path as the program gave it. Relative paths are relative to the program's project directory,
 * which the analyzer is not told (it runs in the pack's directory): try $QUEUEKIT_PROGRAM_DIR, then the
 * project around the working directory of the `pulumi` process that started the pack (Linux /proc), then cwd.
 */
function resolveLocal(p: string): string | undefined {
  if (path.isAbsolute(p)) return existsSync(p) ? p : undefined;
  const bases = [process.env["QUEUEKIT_PROGRAM_DIR"], cliProjectDir(), process.cwd()].filter((b): b is string => !!b);
  for (const base of bases) {
    const candidate = path.resolve(base, p);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let cliProject: string | undefined | null = null;

/** The directory holding Pulumi.yaml at or above the parent (`pulumi`) process's working directory. */
function cliProjectDir(): string | undefined {
  if (cliProject !== null) return cliProject;
  cliProject = undefined;
  try {
    let dir = readlinkSync(`/proc/${process.ppid}/cwd`);
    for (;;) {
      if (existsSync(path.join(dir, "Pulumi.yaml")) || existsSync(path.join(dir, "Pulumi.yml")))
        return (cliProject = dir);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    // not Linux, or not allowed: the other bases remain
  }
  return cliProject;
}

/** A file on the machine running `pulumi` (CopyFile.localPath, Container uploads[].source). */
export async function readLocal(p: unknown, what: string): Promise<string | Unknown> {
  if (typeof p !== "string" || isSentinel(p)) return new Unknown(`${what} (path)`);
  const local = resolveLocal(p);
  if (!local)
    return new Unknown(
      what,
      `is a file asset at ${p} that the pack cannot find (set QUEUEKIT_PROGRAM_DIR to the program's directory)`,
    );
  try {
    const stat = await fs.stat(local);
    if (stat.size > MAX_FILE_BYTES) return new Unknown(what, `is larger than ${MAX_FILE_BYTES} bytes`);
    return await fs.readFile(local, "utf8");
  } catch (e) {
    return new Unknown(what, `cannot be read from ${local}: ${(e as Error).message}`);
  }
}
