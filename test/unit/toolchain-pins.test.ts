// The toolchain pins live in toolchain/versions.env; the npm SDKs must ask for exactly those plugins.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const repo = path.resolve(__dirname, "../../..");
const pins = Object.fromEntries(
  readFileSync(path.join(repo, "toolchain/versions.env"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split("=", 2) as [string, string]),
);
const deps = (file: string): Record<string, string> =>
  (JSON.parse(readFileSync(path.join(repo, file), "utf8")) as { dependencies: Record<string, string> }).dependencies;
const goMod = (dir: string): string => readFileSync(path.join(repo, dir, "go.mod"), "utf8");

describe("toolchain pins", () => {
  it("@pulumi/docker and @pulumi/command match the provider plugin versions", () => {
    assert.equal(deps("package.json")["@pulumi/docker"], pins.DOCKER_PROVIDER_VERSION);
    assert.equal(deps("package.json")["@pulumi/command"], pins.COMMAND_PROVIDER_VERSION);
  });

  it("@pulumi/pulumi of the program and of the policy pack match the CLI", () => {
    assert.equal(deps("package.json")["@pulumi/pulumi"], pins.PULUMI_VERSION);
    assert.equal(deps("policies/package.json")["@pulumi/pulumi"], pins.PULUMI_VERSION);
  });

  it("the Go wrapper modules require the pinned Pulumi versions", () => {
    assert.match(goMod("toolchain/cli"), new RegExp(`github.com/pulumi/pulumi/pkg/v3 v${pins.PULUMI_VERSION}\\b`));
    assert.match(
      goMod("toolchain/langhost"),
      new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${pins.LANGHOST_SDK_VERSION}\\b`),
    );
  });
});
