// A pool's app settings and secrets in the config: names, values, reserved names, and that no error shows a secret.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appSecretValuesOf, REDACTED } from "../../infra/config/appEnv";
import { parseConfig } from "../../infra/config/parse";
import { configRefusal } from "./refusal";
import { plainEnvs, secretSetTag } from "../../infra/render/appEnv";

const SECRET = "s3cret-value-under-test";
const pool = { name: "default", image: "acme/app:1", runAs: "1000:1000", app: "proj.celery", queues: ["celery"] };
const withPool = (extra: Record<string, unknown>) => ({
  host: { memory: "2GiB", cpus: 2 },
  workers: [{ ...pool, ...extra }],
});

const refusal = configRefusal;

function assertRefused(extra: Record<string, unknown>, path: string, value: unknown, accepted: RegExp): void {
  const { issues, message } = refusal(withPool(extra));
  const found = issues.find((i) => i.path === path);
  assert.ok(found, `no issue at ${path}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  assert.deepEqual(found.value, value);
  assert.match(found.message, accepted);
  assert.ok(message.includes(`queuekit:${path}: got ${JSON.stringify(value)} — `), message);
  assert.ok(!message.includes(SECRET), `the message shows a secret:\n${message}`);
}

describe("workers[].env and workers[].secrets", () => {
  it("keeps settings, secret names and their delivery; never a secret's value", () => {
    const config = parseConfig(
      withPool({
        env: { APP_MODE: "production", _X1: "" },
        secrets: { API_TOKEN: SECRET, DATABASE_URL: { secure: "v1:abc" } },
        secretsAsEnv: ["DATABASE_URL"],
      }),
    );
    const w = config.workers[0];
    assert.deepEqual(w.env, { APP_MODE: "production", _X1: "" });
    assert.deepEqual(w.secrets, [
      { name: "API_TOKEN", as: "file" },
      { name: "DATABASE_URL", as: "env" },
    ]);
    assert.equal(w.secretsUid, 1000, "the uid of the pool's runAs: the user the worker runs as");
    assert.equal(parseConfig(withPool({ secrets: { A: SECRET }, secretsUid: 4242 })).workers[0].secretsUid, 4242);
    assert.ok(!JSON.stringify(config).includes(SECRET), "the parsed config holds no secret value");
    assert.deepEqual(plainEnvs(w), ["APP_MODE=production", "_X1="]);
  });

  it("a pool without them has none (the containers of existing stacks do not change)", () => {
    const w = parseConfig(withPool({})).workers[0];
    assert.deepEqual([w.env, w.secrets], [{}, []]);
  });

  it("hands the program each pool's secret values by config index", () => {
    assert.deepEqual(appSecretValuesOf([{ secrets: { A: "1" } }, {}, { secrets: { B: "2" } }]), [
      { A: "1" },
      {},
      { B: "2" },
    ]);
  });

  it("names a volume by the file secrets' names, not their values", () => {
    assert.equal(secretSetTag(["B", "A"]), secretSetTag(["A", "B"]));
    assert.notEqual(secretSetTag(["A"]), secretSetTag(["A", "B"]));
  });
});

describe("refusals name the key, the value and the fix — a secret's value never", () => {
  it("a lower-case or dashed name", () =>
    assertRefused({ env: { "app-mode": "x" } }, "workers[0].env.app-mode", "x", /\[A-Z_\]\[A-Z0-9_\]\*.*"APP_MODE"/));
  it("a name starting with a digit", () => assertRefused({ env: { "1X": "x" } }, "workers[0].env.1X", "x", /"_1X"/));
  it("a number as a setting's value", () =>
    assertRefused({ env: { PORT: 8080 } }, "workers[0].env.PORT", 8080, /must be strings: quote it.*"8080"/));
  it("env not a map", () => assertRefused({ env: ["A=1"] }, "workers[0].env", ["A=1"], /map of NAME/));
  for (const name of ["CELERY_BROKER_URL", "CELERY_CONFIG_MODULE", "QUEUEKIT_LIVENESS_FILE", "PYTHONPATH"]) {
    it(`${name} as a setting: the kit sets it`, () =>
      assertRefused({ env: { [name]: "x" } }, `workers[0].env.${name}`, "x", /reserved: .*rename it/));
    it(`${name} as a secret, its value hidden`, () =>
      assertRefused({ secrets: { [name]: SECRET } }, `workers[0].secrets.${name}`, REDACTED, /reserved: /));
  }
  it("a secret's bad name, its value hidden", () =>
    assertRefused({ secrets: { "api token": SECRET } }, "workers[0].secrets.api token", REDACTED, /"API_TOKEN"/));
  it("a secret that is not a string, its value hidden", () =>
    assertRefused({ secrets: { API_TOKEN: 12345 } }, "workers[0].secrets.API_TOKEN", REDACTED, /--secret --path/));
  it("secrets written as one string, hidden", () =>
    assertRefused({ secrets: SECRET }, "workers[0].secrets", REDACTED, /map of NAME: secret/));
  it("an unknown pool key does not show the pool's secrets", () => {
    const { message } = refusal(withPool({ secrets: { API_TOKEN: SECRET }, envs: {} }));
    assert.match(message, /workers\[0\]\.envs/);
    assert.ok(!message.includes(SECRET), message);
  });
  it("secretsAsEnv naming no secret", () =>
    assertRefused(
      { secrets: { A: SECRET }, secretsAsEnv: ["B"] },
      "workers[0].secretsAsEnv[0]",
      "B",
      /names no secret of this pool/,
    ));
  it("a name both a setting and a secret", () =>
    assertRefused(
      { env: { A: "x" }, secrets: { A: SECRET } },
      "workers[0].secrets.A",
      REDACTED,
      /keep it in one of env or secrets/,
    ));
  it("a uid that is not a whole number", () =>
    assertRefused({ secretsUid: "nobody" }, "workers[0].secretsUid", "nobody", /entrypoint id IMAGE -u/));
});
