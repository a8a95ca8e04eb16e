// The command plugin built on pulumi-go-provider (toolchain/command-provider, scripts/toolchain-command.sh) driven
// through the real Pulumi CLI by the unchanged `@pulumi/command` 1.2.1 SDK: every SDK input is applied (checked on
// disk, in the state or in the CLI's output) or refused naming the property; triggers replace, a changed
// `connection` or CopyToRemote `source` updates in place. Remote = a real sshd on 127.0.0.1 (test/e2e/sshd.ts);
// a port from 27100-27199 with nothing listening stands in for a host that never answers.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ok, repo, sh, testStackName } from "./harness";
import { type Sshd, startSshd } from "./sshd";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const fs = require("fs");
const s = JSON.parse(fs.readFileSync(process.env.QK_SPEC, "utf8"));
const d = s.dir;
const conn = (extra) => ({ host: "127.0.0.1", port: s.port, user: "root", privateKey: pulumi.secret(s.key),
  perDialTimeout: s.perDialTimeout, dialErrorLimit: 3, ...extra });
const local = new command.local.Command("local", {
  create: s.localCreate,
  update: 'echo "updated prev=$PULUMI_COMMAND_STDOUT" | tee -a ' + d + '/local.log',
  delete: 'echo "deleted prev=$PULUMI_COMMAND_STDOUT" >> ' + d + '/local.log',
  environment: { QK_VAR: "env-ok" }, stdin: "stdin-ok", dir: d, interpreter: ["/bin/bash", "-c"],
  triggers: [s.localTrigger], assetPaths: ["art/**", "!art/skip.txt"], archivePaths: ["art/*.txt"], logging: "stdout",
});
const secretOut = new command.local.Command("secret", { create: pulumi.secret("echo secret-out"), logging: "none" });
const r1 = new command.remote.Command("r1", {
  connection: conn({}), stdin: "remote-stdin", addPreviousOutputInEnv: false, triggers: [s.remoteTrigger],
  create: "cat > " + d + "/r1-" + s.remoteTrigger + ".txt; echo remote-created", update: "echo updated >> " + d + "/r1-" + s.remoteTrigger + ".txt",
  delete: "rm -f " + d + "/r1-" + s.remoteTrigger + ".txt; echo deleted-r1 >> " + d + "/remote.log", logging: "stdoutAndStderr",
});
new command.remote.Command("r2", {
  connection: conn({ proxy: { host: "127.0.0.1", port: s.port, privateKey: pulumi.secret(s.key) } }),
  create: "echo via-proxy > " + d + "/r2.txt",
});
new command.remote.Command("r3", {
  connection: { host: "127.0.0.1", port: s.port, agentSocketPath: s.agentSock },
  create: "echo via-agent > " + d + "/r3.txt",
});
const c1 = new command.remote.CopyToRemote("c1", { connection: conn({}), source: new pulumi.asset.FileAsset(s.assetFile),
  remotePath: d + "/remote/c1.txt" });
new command.remote.CopyToRemote("c2", { connection: conn({}), source: new pulumi.asset.FileArchive(s.srcDir),
  remotePath: d + "/remote/c2" });
new command.remote.CopyToRemote("c3", { connection: conn({}), remotePath: d + "/remote/c3",
  source: new pulumi.asset.AssetArchive({ "a.txt": new pulumi.asset.StringAsset("A"), "sub/b.txt": new pulumi.asset.StringAsset("B") }) });
// CopyFile creates no parent directory (as upstream): c1 makes remote/ first, whatever the engine's order under load.
new command.remote.CopyFile("f1", { connection: conn({}), localPath: s.assetFile, remotePath: d + "/remote/f1.txt" },
  { dependsOn: c1 });
const run = command.local.runOutput({ command: "echo run-$QK_R", environment: { QK_R: "ok" } });
const bad = {
  connectionTypo: () => new command.remote.Command("bad", { connection: conn({ agentSocket: "/x" }), create: "true" }),
  port: () => new command.remote.Command("bad", { connection: conn({ port: 70000 }), create: "true" }),
  logging: () => new command.local.Command("bad", { create: "true", logging: "loud" }),
  interpreter: () => new command.local.Command("bad", { create: "true", interpreter: [] }),
  localPath: () => new command.remote.CopyFile("bad", { connection: conn({}), localPath: d + "/missing", remotePath: "/tmp/x" }),
  hostKey: () => new command.remote.Command("bad", { connection: conn({ hostKey: "not-a-key" }), create: "true" }),
  remoteEnv: () => new command.remote.Command("bad", { connection: conn({}), create: "true", environment: { QK_E: "1" } }),
  dialLimit: () => new command.remote.Command("bad", { connection: conn({ port: s.deadPort, dialErrorLimit: 2, perDialTimeout: 2 }), create: "true" }),
  badKey: () => new command.remote.Command("bad", { connection: conn({ privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\\nbogus\\n-----END OPENSSH PRIVATE KEY-----\\n") }), create: "true" }),
  portType: () => new command.remote.Command("bad", { connection: conn({ port: "twenty-two" }), create: "true" }),
  runFails: () => command.local.runOutput({ command: "echo run-broke; exit 7" }).stdout,
};
if (s.bad) bad[s.bad]();
module.exports = { localStdout: local.stdout, localStderr: local.stderr, r1Stdout: r1.stdout, run: run.stdout,
  secretStdout: secretOut.stdout };
`;

interface Spec {
  dir: string;
  port: number;
  key: string;
  agentSock: string;
  assetFile: string;
  srcDir: string;
  deadPort: number;
  perDialTimeout: number;
  localCreate: string;
  localTrigger: number;
  remoteTrigger: number;
  bad?: string;
}

interface Step {
  op: string;
  urn: string;
}

/** A port of 27100-27199 that nothing listens on now: a host that refuses every dial. */
async function deadPort(): Promise<number> {
  for (let port = 27100; port < 27200; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer()
        .once("error", () => resolve(false))
        .listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port in 27100-27199");
}

describe("command provider on pulumi-go-provider: @pulumi/command 1.2.1 semantics through the CLI", () => {
  const stack = testStackName("cmdconf");
  let work = "";
  let sshd: Sshd;
  let agent: { pid: number; sock: string } | undefined;
  let spec: Spec;
  let env: string;

  const cli = (args: string, extra: Partial<Spec> = {}) => {
    writeFileSync(path.join(work, "spec.json"), JSON.stringify({ ...spec, ...extra }));
    return sh(`${env} && cd ${work}/program && pulumi ${args} --stack ${stack} --non-interactive`, {}, 900_000);
  };
  const must = (args: string, extra: Partial<Spec> = {}) => {
    const r = cli(args, extra);
    assert.equal(r.code, 0, `pulumi ${args} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const ops = (extra: Partial<Spec> = {}): Record<string, string> => {
    const r = must("preview --json", extra);
    const steps = (JSON.parse(r.stdout) as { steps?: Step[] }).steps ?? [];
    return Object.fromEntries(steps.map((s) => [s.urn.split("::").pop() ?? s.urn, s.op]));
  };
  const read = (file: string): string => readFileSync(path.join(spec.dir, file), "utf8");
  const state = (name: string): Record<string, unknown> => {
    const exp = JSON.parse(must("stack export --show-secrets=false").stdout) as {
      deployment: { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
    };
    const res = (exp.deployment.resources ?? []).find((x) => x.urn.endsWith(`::${name}`));
    assert.ok(res, `no resource ${name} in the state`);
    return res.outputs ?? {};
  };
  const isSecret = (v: unknown): boolean =>
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270";

  before(async () => {
    const built = ok("bash scripts/toolchain-command.sh");
    const pluginDir = built.stdout.trim().split("\n").pop() ?? "";
    assert.ok(existsSync(path.join(pluginDir, "pulumi-resource-command")), `no plugin in ${pluginDir}`);
    work = mkdtempSync(path.join(tmpdir(), "qk-cmdconf-"));
    // A PULUMI_HOME whose command plugin is this build; the docker plugin the SDKs also declare stays the toolchain's.
    const home = path.join(work, "home");
    const toolchainHome = ok("echo $PULUMI_HOME").stdout.trim();
    mkdirSync(path.join(home, "plugins", "resource-command-v1.2.1"), { recursive: true });
    symlinkSync(
      path.join(pluginDir, "pulumi-resource-command"),
      path.join(home, "plugins", "resource-command-v1.2.1", "pulumi-resource-command"),
    );
    symlinkSync(
      path.join(toolchainHome, "plugins", "resource-docker-v5.2.0"),
      path.join(home, "plugins", "resource-docker-v5.2.0"),
    );
    mkdirSync(path.join(work, "state"));
    mkdirSync(path.join(work, "program"));
    writeFileSync(path.join(work, "program", "Pulumi.yaml"), "name: qk-cmdconf\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(path.join(work, "program", "index.js"), PROGRAM);
    symlinkSync(path.join(repo, "node_modules"), path.join(work, "program", "node_modules"));
    env =
      `export PULUMI_HOME=${home} PULUMI_BACKEND_URL=file://${work}/state PULUMI_CONFIG_PASSPHRASE=qk-cmdconf ` +
      `QK_SPEC=${work}/spec.json PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true`;

    sshd = await startSshd();
    const sock = path.join(work, "agent.sock");
    const a = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    agent = { pid: a.pid ?? 0, sock };
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    const add = spawnSync("ssh-add", [sshd.privateKeyPath], {
      env: { ...process.env, SSH_AUTH_SOCK: sock },
      encoding: "utf8",
    });
    assert.equal(add.status, 0, add.stderr);

    const dir = path.join(work, "scratch");
    mkdirSync(path.join(dir, "src", "nested"), { recursive: true });
    writeFileSync(path.join(dir, "src", "one.txt"), "one");
    writeFileSync(path.join(dir, "src", "nested", "two.txt"), "two");
    writeFileSync(path.join(work, "asset.txt"), "v1");
    spec = {
      dir,
      port: sshd.port,
      key: sshd.privateKey,
      agentSock: sock,
      assetFile: path.join(work, "asset.txt"),
      srcDir: path.join(dir, "src"),
      deadPort: await deadPort(),
      perDialTimeout: 15,
      localCreate:
        "mkdir -p art && echo a > art/a.txt && echo s > art/skip.txt && line=$(cat) && " +
        'echo "created $line $QK_VAR $(pwd) ${BASH_VERSION:+bash}"; echo stderr-line >&2',
      localTrigger: 1,
      remoteTrigger: 1,
    };
    must("stack init");
  });

  after(async () => {
    if (work) {
      cli("destroy --yes --skip-preview");
      cli("stack rm --yes --force");
    }
    if (agent?.pid) process.kill(agent.pid);
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("creates every resource with every input applied", () => {
    const up = must("up --yes --skip-preview");
    // logging: stdout reaches the CLI's output, stderr does not ("stdout"); both for r1; nothing for "none".
    assert.match(up.stdout, /created stdin-ok env-ok/);
    assert.doesNotMatch(up.stdout.replace(/localStderr *: .*\n/, ""), /stderr-line/); // only as the output
    assert.match(up.stdout, /remote-created/);
    assert.doesNotMatch(up.stdout, /secret-out/);
    const out = JSON.parse(must("stack output --json --show-secrets").stdout) as Record<string, string>;
    assert.equal(out.localStdout, `created stdin-ok env-ok ${spec.dir} bash`); // stdin, environment, dir, interpreter
    assert.equal(out.localStderr, "stderr-line");
    assert.equal(out.r1Stdout, "remote-created");
    assert.equal(out.run, "run-ok"); // command:local:run with environment
    assert.equal(read("r1-1.txt"), "remote-stdin"); // remote stdin
    assert.equal(read("r2.txt"), "via-proxy\n"); // through a jump host
    assert.equal(read("r3.txt"), "via-agent\n"); // ssh-agent authentication
    assert.equal(read("remote/c1.txt"), "v1"); // FileAsset
    assert.equal(read("remote/c2/src/one.txt"), "one"); // FileArchive of a directory: copied as src/ inside remotePath
    assert.equal(read("remote/c2/src/nested/two.txt"), "two");
    assert.equal(read("remote/c3/a.txt"), "A"); // AssetArchive
    assert.equal(read("remote/c3/sub/b.txt"), "B");
    assert.equal(read("remote/f1.txt"), "v1"); // CopyFile
    // assetPaths / archivePaths: the exclude rule drops skip.txt from the assets, the archive has both .txt files.
    const local = state("local");
    assert.deepEqual(Object.keys(local.assets as object).sort(), ["art/a.txt"]);
    const archive = local.archive as { assets?: Record<string, unknown> };
    assert.deepEqual(Object.keys(archive.assets ?? {}).sort(), ["art/a.txt", "art/skip.txt"]);
    // Secrets: the connection (privateKey) is encrypted in the state; a secret command makes its stdout secret.
    assert.ok(isSecret(state("r1").connection), "connection is not secret in the state");
    assert.ok(isSecret(state("secret").stdout), "stdout of a secret command is not secret");
    assert.equal(JSON.parse(must("stack output secretStdout --json").stdout), "[secret]");
  });

  it("a changed connection or source updates in place; create changes run update with the previous output", () => {
    writeFileSync(spec.assetFile, "v2");
    const change = { perDialTimeout: 20, localCreate: `${spec.localCreate} # v2` };
    const planned = ops(change);
    assert.equal(planned.r1, "update", JSON.stringify(planned));
    assert.equal(planned.c1, "update", JSON.stringify(planned)); // connection and source changed: in place
    assert.equal(planned.c2, "update", JSON.stringify(planned)); // connection only
    assert.equal(planned.local, "update", JSON.stringify(planned));
    assert.equal(planned.f1, "replace", JSON.stringify(planned)); // CopyFile has no update upstream
    spec = { ...spec, ...change };
    must("up --yes --skip-preview");
    assert.equal(read("remote/c1.txt"), "v2"); // the new source was copied
    assert.equal(read("remote/f1.txt"), "v2");
    assert.equal(read("r1-1.txt"), "remote-stdinupdated\n"); // r1's update command ran, not create
    assert.match(read("local.log"), new RegExp(`^updated prev=created stdin-ok env-ok ${spec.dir} bash\n$`));
  });

  it("changed triggers replace: the old delete runs, then the new create", () => {
    const planned = ops({ localTrigger: 2, remoteTrigger: 2 });
    assert.equal(planned.local, "replace", JSON.stringify(planned));
    assert.equal(planned.r1, "replace", JSON.stringify(planned));
    assert.equal(planned.c1, undefined, JSON.stringify(planned)); // untouched resources: no step
    spec = { ...spec, localTrigger: 2, remoteTrigger: 2 };
    must("up --yes --skip-preview");
    assert.match(read("local.log"), /deleted prev=updated prev=created/); // delete saw the last stdout
    assert.equal(read("remote.log"), "deleted-r1\n");
    assert.equal(read("r1-2.txt"), "remote-stdin"); // created again (before the old delete, which removed r1-1.txt)
    assert.equal(existsSync(path.join(spec.dir, "r1-1.txt")), false);
    assert.equal(
      JSON.parse(must("stack output localStdout --json").stdout),
      `created stdin-ok env-ok ${spec.dir} bash`,
    );
  });

  const refusals: [string, "preview" | "up", RegExp][] = [
    [
      "connectionTypo",
      "preview",
      /connection\.agentSocket.*unknown property|unknown property "connection\.agentSocket"/,
    ],
    ["port", "preview", /connection\.port is 70000/],
    ["logging", "preview", /logging is "loud"/],
    ["interpreter", "preview", /interpreter is an empty list/],
    ["localPath", "preview", /localPath ".*missing" cannot be read/],
    ["hostKey", "preview", /connection\.hostKey "not-a-key" is not a public key/],
    ["badKey", "preview", /connection\.privateKey cannot be used/],
    ["portType", "preview", /connection: An error occurred decoding[^]*port: Field 'port'/],
    ["runFails", "preview", /exit status 7: running "echo run-broke; exit 7"/],
    ["remoteEnv", "up", /environment: the server refused to set QK_E .*AcceptEnv QK_E/],
    ["dialLimit", "up", /after 2 failed attempts \(dialErrorLimit 2\)/],
  ];
  for (const [bad, how, message] of refusals) {
    it(`refuses ${bad} with an error naming the property`, () => {
      const r = cli(how === "up" ? "up --yes --skip-preview" : "preview", { bad });
      assert.notEqual(r.code, 0, `${bad} was accepted:\n${r.stdout}`);
      assert.match(r.stdout + r.stderr, message);
      assert.doesNotMatch(r.stdout + r.stderr, /BEGIN OPENSSH PRIVATE KEY/); // the key never shows
    });
  }

  it("destroy runs the delete commands", () => {
    // The failed `up`s above left no half-created resource behind that destroy would trip over.
    must("refresh --yes --skip-preview");
    must("destroy --yes --skip-preview");
    assert.match(read("local.log"), /deleted prev=created stdin-ok env-ok .* bash\n$/);
    assert.equal(read("remote.log"), "deleted-r1\ndeleted-r1\n");
    assert.equal(existsSync(path.join(spec.dir, "r1-2.txt")), false);
  });
});
