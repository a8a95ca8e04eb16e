import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { plainTextSecrets } from "../../infra/config/plainSecrets";

const secure = { secure: "v1:abc" };

describe("plainTextSecrets: a secret in clear text in the stack file is named, never shown", () => {
  it("accepts every secret stored encrypted", () => {
    const config = {
      "queuekit:redisPassword": secure,
      "queuekit:sshPrivateKey": secure,
      "queuekit:flowerPassword": secure,
      "queuekit:workers": [{ name: "default", secrets: { API_TOKEN: secure }, env: { MODE: "plain is fine" } }],
      "queuekit:registries": [{ address: "r.example:5000", username: "ci", password: secure }],
    };
    assert.deepEqual(plainTextSecrets(config), []);
  });

  it("names each class of secret in clear text: top-level keys, pool secrets, registry passwords", () => {
    const config = {
      "queuekit:redisPassword": "hunter2-redis",
      "queuekit:sshPrivateKey": "-----BEGIN KEY-----",
      "queuekit:flowerPassword": "hunter2-flower",
      "queuekit:workers": [{ name: "a" }, { name: "b", secrets: { OK: secure, API_TOKEN: "hunter2-api" } }],
      "queuekit:registries": [{ address: "r:5000", username: "ci", password: "hunter2-registry" }],
    };
    const issues = plainTextSecrets(config, "queuekit", "Pulumi.dev.yaml");
    assert.deepEqual(
      issues.map((i) => i.path),
      ["redisPassword", "sshPrivateKey", "flowerPassword", "workers[1].secrets.API_TOKEN", "registries[0].password"],
    );
    for (const i of issues) {
      assert.match(i.message, /^stored in clear text in Pulumi\.dev\.yaml: pulumi config set --secret /);
      assert.doesNotMatch(JSON.stringify(i), /hunter2|BEGIN KEY/, "the value itself never shows");
    }
    assert.match(issues[3].message, /--path 'queuekit:workers\[1\]\.secrets\.API_TOKEN' <value>/);
    assert.match(issues[4].message, /--path 'queuekit:registries\[0\]\.password' <value>/);
  });

  it("reads the program's own namespace only, and tolerates a file without config", () => {
    const config = { "queuekit:redisPassword": "plain", "own-program:redisPassword": "plain" };
    assert.deepEqual(
      plainTextSecrets(config, "own-program").map((i) => i.path),
      ["redisPassword"],
    );
    assert.match(plainTextSecrets(config, "own-program")[0].message, /own-program:redisPassword/);
    assert.deepEqual(plainTextSecrets(undefined), []);
    assert.deepEqual(plainTextSecrets({ "queuekit:workers": "not a list" }), []);
  });
});
