// Bad config through the real CLI: `pulumi up` fails naming key, value and fix; nothing is deployed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { demoPoolYaml, leftovers, repo, TestStack, testStackName } from "./harness";

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

describe("secrets in clear text in the stack file, end to end", () => {
  let stack: TestStack;
  before(() => {
    stack = new TestStack(testStackName("plainsecret"), "Pulumi.local.yaml", (yaml) =>
      yaml
        .replace(/ {2}queuekit:redisPassword:\n {4}secure: \S+\n/, "  queuekit:redisPassword: hunter2-plain-redis\n")
        .concat(demoPoolYaml(["secrets:", "  API_TOKEN: hunter2-plain-token"])),
    );
  });
  after(() => stack?.dispose());

  it("pulumi up refuses each, naming the key and the command that encrypts it, never the value; nothing deployed", () => {
    const up = stack.pulumi("up --yes --skip-preview");
    assert.notEqual(up.code, 0);
    const text = up.stdout + up.stderr;
    const file = `Pulumi.${stack.name}.yaml`.replace(/\./g, "\\.");
    assert.match(
      text,
      new RegExp(
        `queuekit:redisPassword: got "\\[clear text\\]" — stored in clear text in ${file}: pulumi config set --secret queuekit:redisPassword <value>`,
      ),
    );
    assert.match(
      text,
      /queuekit:workers\[0\]\.secrets\.API_TOKEN: got "\[clear text\]" — .*pulumi config set --secret --path 'queuekit:workers\[0\]\.secrets\.API_TOKEN' <value>/,
    );
    assert.doesNotMatch(text, /hunter2/);
    assert.deepEqual(
      stack.resources().filter((r) => r.type !== "pulumi:pulumi:Stack"),
      [],
    );
    assert.deepEqual(leftovers(stack.name), []);
  });

  it("npm run plan refuses the same file", () => {
    const plan = spawnSync(process.execPath, [path.join(repo, "dist/scripts/plan.js"), "--stack", stack.name], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(plan.status, 1, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /queuekit:redisPassword: got "\[clear text\]" — stored in clear text/);
    assert.doesNotMatch(plan.stdout + plan.stderr, /hunter2/);
  });
});
