// One resource → every container, file and host setting it brings to a Docker host (model/extraction.ts).
// One adapter per resource type, each in its own file:
//   docker:index/container:Container      container.ts  its own properties (+ uploads)
//   docker:index/service:Service          service.ts    taskSpec (Swarm)
//   command:local|remote:Command           command.ts    docker run/create/update in create/update/delete, files the
//                                                       scripts write, sysctl calls; `sh -c` scripts included
//   command:remote:CopyToRemote|CopyFile  copy.ts       the files delivered: compose, daemon.json, redis.conf, sysctl…
//   compose services in delivered files   composeService.ts (through hostFiles.ts)
// The kit's own components are read from their summaries (kitComponents.ts).
import { createHash } from "crypto";
import { hostOfConnection, hostOfDockerProvider, LOCAL } from "../model/dockerHosts";
import { emptyExtraction, type Extraction } from "../model/extraction";
import { unproxy } from "../parse/propertyValues";
import { TYPES, type ResourceView } from "./resource";
import { fromContainer } from "./container";
import { containerHardening } from "./containerFields";
import { fromService } from "./service";
import { fromCommand } from "./command";
import { fromCopy } from "./copy";

/**
 * Everything `r` brings to a host. Never throws on odd input: what cannot be read is reported in `opaque`/`problems`.
 * Every rule reads the same resource, and each gets its own copy of the properties: a command's or a copy's
 * extraction (shell parsing, files read) is made once per content (see fingerprint) and shared — callers must not
 * modify it. Other types are cheaper to read again than to fingerprint.
 */
export async function extract(r: ResourceView): Promise<Extraction> {
  if (!READS_FILES.has(r.type)) return extractFresh(r);
  const key = await fingerprint(r);
  let ex = memo.get(key);
  if (!ex) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    ex = extractFresh(r);
    memo.set(key, ex);
  }
  return ex;
}

/** The resource types that run scripts or deliver files: the only ones another resource's reading depends on. */
export const READS_FILES: ReadonlySet<string> = new Set([
  TYPES.localCommand,
  TYPES.remoteCommand,
  TYPES.copyToRemote,
  TYPES.copyFile,
]);

const MEMO_LIMIT = 20_000;
const memo = new Map<string, Promise<Extraction>>();

/**
 * What decides an extraction, as one short key: the resource's type, URN and properties, its provider's
 * properties (asset contents and paths awaited), and the environment the pack reads.
 */
export async function fingerprint(r: ResourceView): Promise<string> {
  const env = [process.env["DOCKER_HOST"] ?? "", process.env["QUEUEKIT_PROGRAM_DIR"] ?? ""];
  const provider = r.provider ? await canonical(unproxy(r.provider.props)) : null;
  const body = JSON.stringify([r.type, r.urn, env, provider, await canonical(unproxy(r.props))]);
  return createHash("sha1").update(body).digest("hex");
}

/** A JSON-able copy with sorted keys and promises (asset text, paths) resolved. */
async function canonical(v: unknown): Promise<unknown> {
  if (v === null || typeof v !== "object") return v;
  if (typeof (v as { then?: unknown }).then === "function") return canonical(await v);
  if (Array.isArray(v)) return Promise.all(v.map(canonical));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = await canonical((v as Record<string, unknown>)[k]);
  return out;
}

async function extractFresh(r: ResourceView): Promise<Extraction> {
  const props = unproxy(r.props);
  const provider = r.provider ? { type: r.provider.type, props: unproxy(r.provider.props) } : undefined;
  switch (r.type) {
    case TYPES.container: {
      const ex = await fromContainer(props, hostOfDockerProvider(provider));
      const hardening = containerHardening(props);
      return { ...ex, containers: ex.containers.map((c) => ({ ...c, hardening })) };
    }
    case TYPES.service:
      return fromService(props, hostOfDockerProvider(provider));
    case TYPES.localCommand:
      return fromCommand(props, LOCAL, true);
    case TYPES.remoteCommand:
      return fromCommand(props, hostOfConnection(props), false);
    case TYPES.copyToRemote:
    case TYPES.copyFile:
      return fromCopy(r.type, props, hostOfConnection(props));
    default:
      return emptyExtraction();
  }
}
