// The Docker registry HTTP API v2 as the image-input tests use it: read a manifest and its config, and push small
// hand-made images (one file on `scratch`, any platform) and manifest lists without a build — the engine cannot
// build for another platform, and the tests need an arm64 image and a two-platform list to pull from.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import type { Registry } from "./registry";

export const MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const CONFIG = "application/vnd.docker.container.image.v1+json";
const LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** An image pushed by pushImage: its manifest (digest, size) and its config's digest (the engine's image ID). */
export interface Pushed {
  readonly digest: string;
  readonly size: number;
  readonly configDigest: string;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** One request with the registry's credentials (a self-signed certificate is accepted: test registries only). */
export function call(
  registry: Registry,
  method: string,
  target: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const base = `${registry.tls ? "https" : "http"}://${registry.address}`;
  const url = new URL(target, base);
  const auth = Buffer.from(`${registry.user}:${registry.password}`).toString("base64");
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: { authorization: `Basic ${auth}`, ...headers },
        rejectUnauthorized: false,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.end(body);
  });
}

/** The digest of `repo:ref`'s manifest, or the HTTP status when the registry has none. */
export async function manifestDigest(registry: Registry, repo: string, ref: string): Promise<string | number> {
  const r = await call(registry, "HEAD", `/v2/${repo}/manifests/${ref}`, undefined, { accept: `${MANIFEST}, ${LIST}` });
  return r.status === 200 ? String(r.headers["docker-content-digest"]) : r.status;
}

/** The image config (labels, architecture, …) of `repo:ref`'s manifest. */
export async function imageConfig(registry: Registry, repo: string, ref: string): Promise<Record<string, unknown>> {
  const m = await call(registry, "GET", `/v2/${repo}/manifests/${ref}`, undefined, { accept: MANIFEST });
  if (m.status !== 200) throw new Error(`manifest ${repo}:${ref}: HTTP ${m.status} ${m.body.toString()}`);
  const digest = (JSON.parse(m.body.toString()) as { config: { digest: string } }).config.digest;
  const c = await call(registry, "GET", `/v2/${repo}/blobs/${digest}`);
  if (c.status !== 200) throw new Error(`config blob ${digest}: HTTP ${c.status}`);
  return JSON.parse(c.body.toString()) as Record<string, unknown>;
}

async function putBlob(registry: Registry, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await call(registry, "POST", `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`blob upload to ${repo}: HTTP ${start.status} ${start.body.toString()}`);
  const location = new URL(String(start.headers.location), "http://x");
  location.searchParams.set("digest", digest);
  const put = await call(registry, "PUT", `${location.pathname}${location.search}`, data, {
    "content-type": "application/octet-stream",
  });
  if (put.status !== 201) throw new Error(`blob ${digest} to ${repo}: HTTP ${put.status} ${put.body.toString()}`);
  return digest;
}

async function putManifest(registry: Registry, repo: string, ref: string, type: string, body: string): Promise<void> {
  const r = await call(registry, "PUT", `/v2/${repo}/manifests/${ref}`, body, { "content-type": type });
  if (r.status !== 201) throw new Error(`manifest ${repo}:${ref}: HTTP ${r.status} ${r.body.toString()}`);
}

/** Push a one-layer image on `scratch` whose only file is /platform.txt = `text`, for `arch` (linux), as repo:tag. */
export async function pushImage(
  registry: Registry,
  repo: string,
  tag: string,
  arch: "amd64" | "arm64",
  text: string,
): Promise<Pushed> {
  const dir = mkdtempSync(path.join(tmpdir(), "qk-layer-"));
  let tar: Buffer;
  try {
    writeFileSync(path.join(dir, "platform.txt"), `${text}\n`);
    const r = spawnSync("tar", ["-C", dir, "--owner=0", "--group=0", "-cf", "-", "platform.txt"]);
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    tar = r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const gz = gzipSync(tar);
  const layer = await putBlob(registry, repo, gz);
  const config = JSON.stringify({
    architecture: arch,
    os: "linux",
    ...(arch === "arm64" ? { variant: "v8" } : {}),
    config: { Labels: { "queuekit.text": text } },
    rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    history: [{ created_by: "queuekit test/e2e/registryApi.ts" }],
  });
  const configDigest = await putBlob(registry, repo, Buffer.from(config));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: { mediaType: CONFIG, size: Buffer.byteLength(config), digest: configDigest },
    layers: [{ mediaType: LAYER, size: gz.length, digest: layer }],
  });
  await putManifest(registry, repo, tag, MANIFEST, manifest);
  return { digest: sha256(manifest), size: Buffer.byteLength(manifest), configDigest };
}

/** Push a manifest list `repo:tag` of linux/amd64 → `amd64` and linux/arm64 → `arm64` (both in `repo`). */
export async function pushList(registry: Registry, repo: string, tag: string, amd64: Pushed, arm64: Pushed) {
  const list = JSON.stringify({
    schemaVersion: 2,
    mediaType: LIST,
    manifests: [
      { mediaType: MANIFEST, size: amd64.size, digest: amd64.digest, platform: { architecture: "amd64", os: "linux" } },
      {
        mediaType: MANIFEST,
        size: arm64.size,
        digest: arm64.digest,
        platform: { architecture: "arm64", os: "linux", variant: "v8" },
      },
    ],
  });
  await putManifest(registry, repo, tag, LIST, list);
  return sha256(list);
}
