// The pack's start-up defers the SDK modules a policy pack never uses (lib/startup/deferSdk.ts): they are not
// loaded with @pulumi/policy, and still work when something does use them.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { it } from "node:test";

const dist = path.resolve(__dirname, "..");

/**
 * Runs `body` in a fresh node (modules load once per process), after deferSdk() when `deferred`; `body` ends by
 * calling done() (asynchronously if it likes), which prints `out`.
 */
function probe(deferred: boolean, body = "done();"): Record<string, unknown> {
  const script = `${deferred ? "require('./lib/startup/deferSdk').deferSdk();" : ""}
    require('@pulumi/policy');
    const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));
    const out = { modules: Object.keys(require.cache).length, arborist: loaded('@npmcli/arborist'), execa: loaded('execa'),
      typescript: loaded('typescript') };
    const done = () => process.stdout.write(JSON.stringify(out));
    ${body}`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: dist, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

it("@pulumi/policy loads without arborist, the Automation API and typescript, in a fraction of the modules", () => {
  const plain = probe(false);
  const deferred = probe(true);
  assert.equal(plain["arborist"], true, "the SDK as shipped loads arborist (else this test proves nothing)");
  assert.equal(plain["execa"], true);
  assert.equal(plain["typescript"], true);
  assert.equal(deferred["arborist"], false);
  assert.equal(deferred["execa"], false);
  assert.equal(deferred["typescript"], false);
  assert.ok((deferred["modules"] as number) * 3 < (plain["modules"] as number), JSON.stringify({ plain, deferred }));
});

it("a deferred module loads on first use and behaves as the real one", () => {
  const out = probe(
    true,
    `const pulumi = require('@pulumi/pulumi');
     out.workspace = typeof pulumi.automation.LocalWorkspace;
     out.automationKeys = Object.keys(pulumi.automation).includes('LocalWorkspace');
     out.tsVersion = typeof require('@pulumi/pulumi/typescript-shim').version;
     out.typescript = loaded('typescript');
     pulumi.runtime.computeCodePaths({ extraIncludePaths: [] }).then(
       (paths) => { out.codePaths = paths instanceof Map; out.arborist = loaded('@npmcli/arborist'); done(); },
       (e) => { console.error(e); process.exit(1); });`,
  );
  assert.equal(out["workspace"], "function");
  assert.equal(out["automationKeys"], true);
  assert.equal(out["tsVersion"], "string");
  assert.equal(out["typescript"], true);
  assert.equal(out["codePaths"], true);
  assert.equal(out["arborist"], true);
});
