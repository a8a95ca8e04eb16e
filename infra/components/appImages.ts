import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { QueuekitConfig } from "../config/types";
import { AppImage, imageSource, registryAuth } from "./appImage";

/**
 * One AppImage per distinct image of the config's pools (two pools of one image share it: deleting one would remove
 * the other's), in the pools' order; undefined where the engine's image is used as it is. Pulls and builds go through
 * a provider of their own, with the registries' credentials: the containers' provider keeps its inputs unchanged.
 */
export function appImages(
  config: QueuekitConfig,
  /** config.registries' passwords (secrets), in its order. */
  passwords: readonly pulumi.Output<string>[],
  engine: docker.ProviderArgs,
  dependsOn: pulumi.Input<pulumi.Resource>[],
): (pulumi.Output<string> | undefined)[] {
  const registries = config.registries ?? [];
  const sources = config.workers.map((w) => imageSource({ image: w.image, build: w.build, registries }));
  if (sources.every((s) => s === "engine")) return sources.map(() => undefined);
  const provider = new docker.Provider(
    "images",
    { ...engine, registryAuth: registryAuth(registries, passwords) },
    { dependsOn },
  );
  const byKey = new Map<string, AppImage>();
  return config.workers.map((w, i) => {
    if (sources[i] === "engine") return undefined;
    const key = JSON.stringify([w.image, w.build ?? null]);
    let image = byKey.get(key);
    if (!image) {
      image = new AppImage(
        `image-${w.name}`,
        { image: w.image, build: w.build, registries },
        { providers: { docker: provider } },
      );
      byKey.set(key, image);
    }
    return image.ref;
  });
}
