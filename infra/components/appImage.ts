import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageBuild, RegistryConfig } from "../config/images";
import { parseImageRef, registryHost } from "../config/images";
import { contextDigest } from "./buildContext";

export interface AppImageArgs {
  /** The pool's image reference, as configured. */
  readonly image: string;
  readonly build?: ImageBuild;
  readonly registries: readonly RegistryConfig[];
}

/** How a pool's image reaches the engine: as it is there, pulled from a listed registry by digest, or built there. */
export type ImageSource = "engine" | "registry" | "build";

export function imageSource(args: AppImageArgs): ImageSource {
  if (args.build) return "build";
  const host = parseImageRef(args.image)?.registry;
  return host !== undefined && args.registries.some((r) => registryHost(r.address) === host) ? "registry" : "engine";
}

/** The name a build is tagged with: the configured tag plus the context's digest, so each build has its own name. */
export function builtName(image: string, digest: string): string {
  const ref = parseImageRef(image);
  const repo = ref?.registry ? `${ref.registry}/${ref.repository}` : (ref?.repository ?? image);
  return `${repo}:${ref?.tag ? `${ref.tag}-` : ""}ctx-${digest.slice(0, 12)}`;
}

/** `repo@sha256:…` of an image reference and a digest (the tag dropped: the digest is what is run). */
export function pinnedName(image: string, digest: string): string {
  const ref = parseImageRef(image);
  return `${ref?.registry ? `${ref.registry}/` : ""}${ref?.repository ?? image}@${digest}`;
}

/**
 * One image of the app, pinned in the state: from a listed registry, the digest its tag points to when `up` runs (a
 * moved tag is a new digest, so the next `up` pulls it and replaces the containers; an unchanged one changes nothing);
 * built, the image ID of a build of the context's current content. `ref` is what containers run.
 */
export class AppImage extends pulumi.ComponentResource {
  public readonly ref: pulumi.Output<string>;
  public readonly source: ImageSource;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const source = imageSource(args);
    super("queuekit:images:AppImage", name, { image: args.image, source }, opts);
    this.source = source;
    if (source === "build" && args.build) {
      const digest = contextDigest(args.build.context);
      const built = new docker.RemoteImage(
        name,
        {
          name: builtName(args.image, digest),
          build: {
            context: args.build.context,
            dockerfile: args.build.dockerfile,
            buildArgs: { ...args.build.args },
            // The legacy build talks through the provider's own client (over SSH too, with its sshOpts), which the
            // buildx build cannot; FROM images the engine already has.
            useLegacyBuilder: true,
          },
          triggers: { context: digest },
        },
        { parent: this },
      );
      this.ref = built.imageId;
    } else if (source === "registry") {
      // Asked at every preview and up, with the registry's credentials of the provider.
      const digest = docker.getRegistryImageOutput({ name: args.image }, { parent: this }).apply((r) => r.sha256Digest);
      const pulled = new docker.RemoteImage(
        name,
        { name: digest.apply((d) => pinnedName(args.image, d)) },
        { parent: this },
      );
      this.ref = pulled.name;
    } else {
      this.ref = pulumi.output(args.image);
    }
    this.registerOutputs({ ref: this.ref });
  }
}

/** The images provider's registryAuth: every listed registry with its password (a secret, in the same order). */
export function registryAuth(
  registries: readonly RegistryConfig[],
  passwords: readonly pulumi.Output<string>[],
): docker.types.input.ProviderRegistryAuth[] {
  return registries.map((r, i) => ({ address: r.address, username: r.username, password: passwords[i] }));
}
