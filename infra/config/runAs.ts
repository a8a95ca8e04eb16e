// The non-root "uid:gid" each container runs as (CIS Docker 4.1): the `runAs` key of Redis, each worker pool and
// each side component, or, when it is left out, the user the image is known to run as. An image the kit does not
// know needs the key: the kit never guesses a user, and never leaves the image's own (possibly root) in place.
import { z } from "zod";
import { type Ctx, issue, reject } from "./zod";

/**
 * The user each image runs as, by repository. The kit's local images (scripts/images.sh, images/): their USER resolved
 * to ids in the built image — test/e2e/imageUsers.e2e.test.ts runs `id` in each and fails when one drifts. Upstream
 * images: the USER (or useradd) of their Dockerfiles.
 */
const IMAGE_USERS: readonly { readonly repository: RegExp; readonly runAs: (tag: string) => string }[] = [
  // Debian's redis-server package creates its system user redis (101:102 in the debootstrapped rootfs).
  { repository: /^queuekit\/redis$/, runAs: () => "101:102" },
  // Debian's prometheus package creates its system user prometheus (100:101 in its own rootfs).
  { repository: /^queuekit\/prometheus$/, runAs: () => "100:101" },
  // USER nobody: Celery, the demo app built on it, the exporter, Flower and its base.
  { repository: /^queuekit\/(celery|celery-demo|redis-exporter|flower|flower-deps)$/, runAs: () => "65534:65534" },
  // docker-library/redis: useradd -u 999 redis, group 999 on Debian; the alpine variants' group redis is 1000.
  { repository: /^(docker\.io\/)?(library\/)?redis$/, runAs: (tag) => (/alpine/.test(tag) ? "999:1000" : "999:999") },
  // prom/prometheus: USER nobody on busybox.
  { repository: /^((docker\.io\/)?prom|quay\.io\/prometheus)\/prometheus$/, runAs: () => "65534:65534" },
  // oliver006/redis_exporter: USER 59000:59000 in both release stages (scratch and alpine).
  { repository: /^((docker\.io|quay\.io)\/)?oliver006\/redis_exporter$/, runAs: () => "59000:59000" },
  // mher/flower: adduser -u 1000 -G flower (group 1000).
  { repository: /^(docker\.io\/)?mher\/flower$/, runAs: () => "1000:1000" },
];

/** The repository and tag of an image reference ("redis:7.2-alpine" → redis, 7.2-alpine); a digest is dropped. */
function repositoryAndTag(image: string): { readonly repository: string; readonly tag: string } {
  const name = image.split("@")[0];
  const colon = name.lastIndexOf(":");
  // A colon before the last "/" is a registry's port, not a tag.
  return colon > name.lastIndexOf("/")
    ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) }
    : { repository: name, tag: "latest" };
}

/** The "uid:gid" an image is known to run as, or undefined for an image the kit does not know. */
export function knownImageUser(image: string): string | undefined {
  const { repository, tag } = repositoryAndTag(image);
  return IMAGE_USERS.find((known) => known.repository.test(repository))?.runAs(tag);
}

const FORM = 'a non-root numeric "uid:gid", e.g. "1000:1000"';

/** The `runAs` key: numeric ids (a name would be resolved in the image, unseen by the pack), never uid 0. */
export const runAsKey = () =>
  z.unknown().transform((value, ctx): string => {
    const match = typeof value === "string" ? /^(\d{1,10}):(\d{1,10})$/.exec(value) : null;
    if (!match) return reject(ctx, `expected ${FORM}`);
    if (Number(match[1]) === 0)
      return reject(ctx, `uid 0 is root: a process that escapes its container is root on the host; expected ${FORM}`);
    return value as string;
  });

/**
 * The config of a container with its user resolved: `runAs` as written, else the image's known user. An unknown
 * image without `runAs` is refused at `<key>.runAs`, naming the image and how to read its user.
 */
export function withRunAs<T extends { readonly image: string; readonly runAs?: string }>(
  c: T,
  ctx: Ctx,
): Omit<T, "runAs"> & { readonly runAs: string } {
  const runAs = c.runAs ?? knownImageUser(c.image);
  if (runAs === undefined) {
    issue(
      ctx,
      `image ${JSON.stringify(c.image)} is not one whose user the kit knows; set runAs to the non-root "uid:gid" it runs as (docker run --rm --entrypoint id ${c.image}), e.g. "1000:1000"`,
      ["runAs"],
    );
    return z.NEVER;
  }
  return { ...c, runAs };
}
