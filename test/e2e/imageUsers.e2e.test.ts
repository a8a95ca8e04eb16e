// The kit's local images run as the uid:gid the components state (infra/config/runAs.ts): a rebuilt rootfs that gives
// a system user another id (Debian allocates redis' and prometheus' at install) fails here before a stack runs a
// container under an id that owns none of its files. Flower's image is checked by flower.e2e.test.ts, which builds it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { knownImageUser } from "../../infra/config/runAs";
import { docker } from "./harness";

/** What scripts/images.sh builds by default (npm test's set-up). */
const IMAGES = [
  "queuekit/redis:7-local",
  "queuekit/celery:5-local",
  "queuekit/celery-demo:local",
  "queuekit/redis-exporter:local",
  "queuekit/prometheus:local",
];

/** The uid:gid a container of the image runs as when nothing overrides its USER. */
function imageRunsAs(image: string): string {
  const id = docker(`run --rm --network none --entrypoint id ${image}`);
  const m = /^uid=(\d+)\([^)]*\) gid=(\d+)/.exec(id);
  assert.ok(m, `id in ${image}: ${id}`);
  return `${m[1]}:${m[2]}`;
}

describe("the kit's images run as the user the components set", () => {
  for (const image of IMAGES)
    it(image, () => {
      const user = docker(`image inspect --format '{{.Config.User}}' ${image}`);
      assert.notEqual(user, "", `${image} sets a USER`);
      const runsAs = imageRunsAs(image);
      assert.notEqual(runsAs.split(":")[0], "0", `${image} runs as root`);
      assert.equal(knownImageUser(image), runsAs, `${image}'s USER ${user} is ${runsAs}: update runAs.ts`);
    });
});
