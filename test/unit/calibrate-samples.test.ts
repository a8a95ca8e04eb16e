// npm run calibrate: the samples file and the command line — what is accepted, and every bad input named.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultOut, optionsOf } from "../../scripts/calibrate/args";
import { CalibrateError, parseSamples, unknownTasks } from "../../scripts/calibrate/samples";

const demo = `
image: queuekit/celery-demo:local
app: demo
calls:
  - task: demo.light
    kwargs: {mib: 1}
    repeat: 30
  - task: demo.heavy
    kwargs: {mib: 150, hold_seconds: 1.0}
    repeat: 3
`;

const errorOf = (text: string): string => {
  try {
    parseSamples(text, "s.yaml");
  } catch (error) {
    assert.ok(error instanceof CalibrateError, String(error));
    return error.message;
  }
  assert.fail("parseSamples accepted a bad file");
};

describe("calibrate samples file", () => {
  it("reads the demo's YAML with defaults filled in", () => {
    const s = parseSamples(demo, "s.yaml");
    assert.equal(s.image, "queuekit/celery-demo:local");
    assert.equal(s.app, "demo");
    assert.equal(s.serializer, "json");
    assert.equal(s.timeoutSeconds, 300);
    assert.deepEqual(s.calls[0], { task: "demo.light", args: [], kwargs: { mib: 1 }, repeat: 30 });
    assert.deepEqual(s.calls[1].kwargs, { mib: 150, hold_seconds: 1.0 });
  });

  it("reads JSON too, with args, msgpack and a timeout; repeat defaults to 1", () => {
    const s = parseSamples(
      JSON.stringify({
        image: "app:1",
        app: "proj",
        serializer: "msgpack",
        timeoutSeconds: 20,
        calls: [{ task: "proj.add", args: [1, 2] }],
      }),
      "s.json",
    );
    assert.equal(s.serializer, "msgpack");
    assert.equal(s.timeoutSeconds, 20);
    assert.deepEqual(s.calls, [{ task: "proj.add", args: [1, 2], kwargs: {}, repeat: 1 }]);
  });

  it("names a missing key and how to write it", () => {
    const msg = errorOf("app: demo\ncalls: [{task: demo.light}]\n");
    assert.match(msg, /^s\.yaml has 1 problem:/);
    assert.match(msg, /image: got nothing — the image your pool runs/);
  });

  it("names an unknown key at the top and in a call, with the accepted keys", () => {
    const msg = errorOf(`${demo}images: x\n`.replace("repeat: 3\n", "repeats: 3\n"));
    assert.match(msg, /has 2 problems/);
    assert.match(msg, /\n {2}images: got "x" — unknown key; the keys here are image, app, calls/);
    assert.match(msg, /\n {2}calls\[1\]\.repeats: got 3 — unknown key; the keys here are task, args, kwargs, repeat/);
  });

  it("lists every bad value at once: task, args, kwargs, repeat, serializer, timeout, calls", () => {
    const bad = `image: x\napp: demo\nserializer: pickle\ntimeoutSeconds: 0\ncalls:\n  - {task: "", args: {a: 1}, kwargs: [1], repeat: 0}\n  - 7\n`;
    const msg = errorOf(bad);
    for (const key of [
      "serializer",
      "timeoutSeconds",
      "calls[0].task",
      "calls[0].args",
      "calls[0].kwargs",
      "calls[0].repeat",
      "calls[1]",
    ])
      assert.ok(msg.includes(`\n  ${key}: got `), `${key} in\n${msg}`);
    assert.match(msg, /serializer: got "pickle" — the pool's serializer: "json" \(default\) or "msgpack"/);
    assert.match(msg, /calls\[0\]\.repeat: got 0 — .*a whole number from 1 to 1000/);
    assert.equal(errorOf("image: x\napp: demo\ncalls: []\n").includes("calls: got [] — a non-empty list"), true);
  });

  it("refuses a file that is not a mapping, or not YAML at all", () => {
    assert.match(errorOf("- a\n- b\n"), /s\.yaml: got \["a","b"\] — a samples file is a mapping/);
    assert.match(errorOf("image: [unclosed\n"), /s\.yaml is neither YAML nor JSON/);
  });

  it("finds the task names the app does not have, once each, with the first key naming them", () => {
    const s = parseSamples(`${demo}  - task: demo.nope\n  - task: demo.nope\n`, "s.yaml");
    assert.deepEqual(unknownTasks(s, ["demo.light", "demo.heavy"]), [{ key: "calls[2].task", task: "demo.nope" }]);
    assert.deepEqual(unknownTasks(s, ["demo.light", "demo.heavy", "demo.nope"]), []);
  });
});

describe("calibrate command line", () => {
  it("needs --samples; --out is optional and defaults to profiles/<app>.json", () => {
    assert.deepEqual(optionsOf(["--samples", "a.yaml"]), { samples: "a.yaml", out: undefined });
    assert.deepEqual(optionsOf(["--samples", "a.yaml", "--out", "p.json"]), { samples: "a.yaml", out: "p.json" });
    assert.throws(() => optionsOf([]), /--samples is required\nusage: npm run calibrate/);
    assert.throws(() => optionsOf(["--sample", "a.yaml"]), /Unknown option '--sample'/);
    assert.equal(defaultOut("demo"), "profiles/demo.json");
    assert.equal(defaultOut("proj.celery:app"), "profiles/proj.celery_app.json");
  });
});
