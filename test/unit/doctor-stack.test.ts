// The doctor's reading of a stack file: the kit's config and the docker provider's `docker:host`, which points the
// doctor's docker CLI at the same engine the stack was deployed to.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { localRunner } from "../../scripts/doctor/host";
import { configAndPlan, DoctorError, repo } from "../../scripts/doctor/stack";

const stack = `zunit-doctor-stack-${process.pid}`;
const file = path.join(repo, `Pulumi.${stack}.yaml`);
const write = (extra: string) =>
  writeFileSync(
    file,
    ["config:", "  queuekit:host:", "    memory: 1GiB", "    cpus: 1", "  queuekit:preset: 1GiB", extra, ""].join("\n"),
  );

describe("doctor: the stack file", () => {
  after(() => rmSync(file, { force: true }));

  it("no docker:host: no engine address, the local runner keeps the caller's DOCKER_HOST", () => {
    write("");
    const read = configAndPlan(stack);
    assert.equal(read.dockerHost, undefined);
    assert.equal(read.config.host.memory, 2 ** 30);
    const r = localRunner(read.dockerHost)('printf %s "${DOCKER_HOST-unset}"');
    assert.equal(r.stdout, process.env.DOCKER_HOST ?? "unset");
  });

  it("docker:host set: the local runner's docker CLI talks to that engine", () => {
    write("  docker:host: unix:///tmp/qk-engine-x/docker.sock");
    const read = configAndPlan(stack);
    assert.equal(read.dockerHost, "unix:///tmp/qk-engine-x/docker.sock");
    assert.equal(localRunner(read.dockerHost)('printf %s "$DOCKER_HOST"').stdout, read.dockerHost);
  });

  it("docker:host not a string: refused naming the key, the value and the fix", () => {
    write("  docker:host: [1, 2]");
    assert.throws(
      () => configAndPlan(stack),
      (e: Error) =>
        e instanceof DoctorError &&
        /docker:host/.test(e.message) &&
        /\[1,2\]/.test(e.message) &&
        /unix:\/\/\/run\/docker\.sock/.test(e.message),
    );
  });
});
