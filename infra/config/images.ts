// Images the user already has: the form of an image reference, private registries with credentials, and an image
// built on the target engine from the user's Dockerfile. Only keys and forms here; components/appImage.ts pins them.
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { issue, reject, strict, text } from "./zod";

/**
 * A registry whose images are pulled with credentials, and pinned by the digest its tag points to at `up`. Its
 * password is checked here but kept out: pulumi.ts reads it as a secret Output (registryPasswordsOf), in this order.
 */
export interface RegistryConfig {
  /** host[:port] as in image names; "http://host:port" for a registry that speaks plain HTTP (loopback only). */
  readonly address: string;
  readonly username: string;
}

/** What an error shows instead of a registry's password (or any value of a registries entry but its address and user). */
const REDACTED = "[secret]";

/** Build the pool's image on the target engine (local or over SSH) from a Dockerfile and its context. */
export interface ImageBuild {
  /** Absolute path of the context directory on the machine running Pulumi (the provider sends it to the engine). */
  readonly context: string;
  /** The Dockerfile's path inside the context (the engine reads it from the context it receives). */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
}

// Docker's reference grammar (distribution/reference), one pattern: [registry/]path[:tag][@sha256:hex].
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$`,
);

export interface ImageRef {
  /** The registry host[:port], or undefined for Docker Hub / a local-only name. */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The parts of an image reference, or undefined when Docker would refuse it. */
export function parseImageRef(ref: string): ImageRef | undefined {
  const m = REFERENCE.exec(ref);
  if (!m || ref.length > 255) return undefined;
  const [, first, rest, tag, digest] = m;
  // The first part is a registry only when it looks like a host (Docker's rule): a dot, a port, or localhost.
  const isHost = first !== undefined && (/[.:[]/.test(first) || first === "localhost");
  if (first !== undefined && !isHost && first !== first.toLowerCase()) return undefined;
  return {
    ...(isHost && { registry: first }),
    repository: isHost || first === undefined ? rest : `${first}/${rest}`,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  };
}

/** A pool's image: a reference Docker accepts, e.g. "ghcr.io/acme/app:1.4". */
export const imageRef = () =>
  z.unknown().transform((value, ctx) => {
    if (typeof value === "string" && parseImageRef(value)) return value;
    return reject(
      ctx,
      'expected an image reference [registry/]name[:tag][@sha256:digest] of lowercase name parts, e.g. "ghcr.io/acme/app:1.4" or "127.0.0.1:5000/app:dev"',
    );
  });

/** The registry host[:port] of an address as written ("http://" dropped). */
export const registryHost = (address: string): string => address.replace(/^https?:\/\//, "");

const ADDRESS = /^(?:https?:\/\/)?[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?$/;

const registry = strict("a registries entry", {
  address: text(
    'a registry host[:port] as in image names, e.g. "registry.example.com" or "http://127.0.0.1:5000" (plain HTTP)',
    ADDRESS,
  ),
  username: z.unknown().optional(),
  password: z.unknown().optional(),
}).transform((r, ctx): RegistryConfig => {
  // No credentials is a registry the engine could pull from anyway: naming it here is a mistake to report.
  const missing = (["username", "password"] as const).filter((k) => typeof r[k] !== "string" || r[k] === "");
  for (const key of missing) {
    const how =
      key === "password"
        ? "pulumi config set --secret --path 'queuekit:registries[<i>].password' <password> (a Pulumi secret)"
        : "pulumi config set --path 'queuekit:registries[<i>].username' <user>";
    issue(ctx, `required: a registry is listed for its credentials; ${how}`, [key]);
  }
  return missing.length ? z.NEVER : { address: r.address, username: String(r.username) };
});

export const registriesSchema = z
  .array(registry, { error: 'expected a list of {address, username, password}, e.g. [{address: "ghcr.io", …}]' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      const host = registryHost(r.address);
      if (seen.has(host)) issue(ctx, `a second entry for ${host}: one set of credentials per registry`, [i, "address"]);
      seen.add(host);
    });
  })
  .default([]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Each registries entry's password as written (the stack's decrypted config), in the entries' order. */
export function registryPasswordsOf(registries: unknown): string[] {
  if (!Array.isArray(registries)) return [];
  return registries.map((r) => (isRecord(r) && typeof r.password === "string" ? r.password : ""));
}

/** The raw config with every registries value but address and username replaced, for messages that print values. */
export function redactRegistries(raw: unknown): unknown {
  if (!isRecord(raw) || !Array.isArray(raw.registries)) return raw;
  const registries = raw.registries.map((r: unknown) =>
    isRecord(r)
      ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === "address" || k === "username" ? v : REDACTED]))
      : r,
  );
  return { ...raw, registries };
}

const pathIn = (baseDir: string, what: "directory" | "file", example: string) =>
  z.unknown().transform((value, ctx) => {
    if (typeof value !== "string" || !/\S/.test(value))
      return reject(ctx, `expected the path of a ${what}, e.g. ${example}`);
    const full = path.resolve(baseDir, value);
    if (!existsSync(full)) return reject(ctx, `no such ${what}: ${full} — relative paths are read from ${baseDir}`);
    const isDir = statSync(full).isDirectory();
    if (isDir !== (what === "directory")) return reject(ctx, `${full} is not a ${what}`);
    return full;
  });

/** workers[].build: a context directory and its Dockerfile (default: Dockerfile in the context), from `baseDir`. */
export const imageBuildAt = (baseDir: string) =>
  strict("workers[].build", {
    context: pathIn(baseDir, "directory", '"app" (the directory your Dockerfile copies from)'),
    dockerfile: z.string().optional(),
    args: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string(), {
        error: 'expected build arguments as {NAME: "value"} of strings',
      })
      .default({}),
  }).transform((b, ctx): ImageBuild => {
    const file = path.resolve(b.context, b.dockerfile ?? "Dockerfile");
    const inside = path.relative(b.context, file);
    if (inside.startsWith("..") || !existsSync(file) || !statSync(file).isFile()) {
      issue(ctx, `no such Dockerfile in the context: ${file} — dockerfile is a path inside ${b.context}`, [
        "dockerfile",
      ]);
      return z.NEVER;
    }
    return { context: b.context, dockerfile: inside, args: b.args };
  });

const SEVERAL_HOSTS =
  "not yet with hosts (several hosts): images are pulled and built on one engine only; use host, or images every engine already has";

/** Problems across keys: a digest on a built image; private registries and builds with several hosts. */
export function imageIssues(
  workers: readonly { readonly image: string; readonly build?: ImageBuild }[],
  registries: readonly RegistryConfig[],
  severalHosts: boolean,
): { readonly path: readonly PropertyKey[]; readonly message: string }[] {
  const built = workers.flatMap((w, i) => (w.build ? [i] : []));
  return [
    ...built
      .filter((i) => parseImageRef(workers[i].image)?.digest)
      .map((i) => ({
        path: ["workers", i, "image"],
        message: "a built image is named by repository and tag, not a digest: drop the @sha256:… part",
      })),
    ...(severalHosts ? built.map((i) => ({ path: ["workers", i, "build"], message: SEVERAL_HOSTS })) : []),
    ...(severalHosts && registries.length ? [{ path: ["registries"], message: SEVERAL_HOSTS }] : []),
  ];
}
