// Bad config through the real CLI: `pulumi up` fails naming key, value and fix; nothing is deployed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { leftovers, TestStack, testStackName } from "./harness";

describe("invalid stack config, end to end", () => {
  let stack: TestStack;
  before(() => {
    stack = new TestStack(testStackName("badconfig"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace("bind: 127.0.0.1", "bind: 0.0.0.0\n    maxmemoryPolicy: allkeys-lru")
        .replace("memory: 2GiB", "memory: 2GB"),
    );
  });
  after(() => stack?.dispose());

  it("pulumi up fails with every problem named, and the stack has no resources", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.notEqual(up.code, 0);
    const text = up.stdout + up.stderr;
    assert.match(text, /queuekit:host\.memory: got "2GB" — /);
    assert.match(text, /queuekit:redis\.maxmemoryPolicy: got "allkeys-lru" — evicts queued tasks/);
    assert.match(text, /queuekit:redis\.bind: got "0\.0\.0\.0" — /);
    assert.deepEqual(
      stack.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
    assert.deepEqual(leftovers(stack.name), []);
  });

  it("pulumi preview fails the same way", () => {
    const preview = stack.pulumi("preview");
    assert.notEqual(preview.code, 0);
    assert.match(preview.stdout + preview.stderr, /queuekit:redis\.maxmemoryPolicy: got "allkeys-lru"/);
  });
});
