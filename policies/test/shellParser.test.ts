// The shell parser (mvdan/sh as WebAssembly, toolchain/shparse) and the ways around the pack it closes: here-documents,
// nested sh -c, sudo bash <<EOF, what an outer shell expands, commands kept in variables, functions. Most of these
// cases got a wrong answer from the hand-written lexer this replaced (noted per case).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { noOomKillDisable } from "../rules";
import { readScript } from "../lib/parse/commandLine";
import { parseScript } from "../lib/parse/shell";
import { shparseLocation } from "../lib/parse/shparse";
import { runDirect } from "./direct";
import { localCommand, remoteCommand } from "./fixtures";

/** Each program a script runs, its words; `?` before a word the script does not fix (dynamic). */
const runs = (script: string): string[] =>
  readScript(script).invocations.map((i) => i.argv.map((w) => (w.dynamic ? `?${w.text}` : w.text)).join(" "));

describe("shell parser: here-documents", () => {
  it("<<- strips the tabs of the body and of the closing line", () => {
    assert.deepEqual(runs("sudo bash <<-EOF\n\tdocker run --oom-kill-disable redis\n\tEOF\necho done"), [
      "docker run --oom-kill-disable redis",
      "echo done",
    ]);
  });
  it("two here-documents opened on one line are read in order", () => {
    const script = "cat <<A >/etc/redis.conf; sudo bash <<B\nmaxmemory 1gb\nA\ndocker run -m 1g x\nB\n";
    assert.deepEqual(runs(script), ["cat", "docker run -m 1g x"]);
    const cat = parseScript(script).commands[0]!;
    assert.equal(cat.redirects.find((r) => r.op === "<<")?.heredoc, "maxmemory 1gb\n");
  });
  it("a here-document inside $(…) ends where its delimiter is, not at the closing parenthesis", () => {
    // The old lexer cut the substitution at the `)` inside the body and read `docker run` as part of it.
    assert.deepEqual(runs("CONF=$(cat <<'EOF'\nuse (a) ) here\nEOF\n)\nsudo bash <<EOF\ndocker run -m 1g x\nEOF"), [
      "cat",
      "docker run -m 1g x",
    ]);
  });
  it("commands inside an unquoted body run when the here-document is read", () => {
    assert.deepEqual(runs("cat > /tmp/x <<EOF\nid=$(docker run -d --oom-kill-disable redis)\nEOF"), [
      "docker run -d --oom-kill-disable redis",
      "cat",
    ]);
  });
});

describe("shell parser: nested shells", () => {
  it("bash -c with an ANSI-C quoted script ($'…')", () => {
    // The old lexer read $'…' as the parameter `$` followed by a quote: a program named by the environment.
    assert.deepEqual(runs(`bash -c $'docker run --oom-kill-disable\\tx'`), ["docker run --oom-kill-disable x"]);
  });
  it("three levels of quoting: sh -c → bash -lc → sudo sh -c", () => {
    assert.deepEqual(runs(`sh -c "bash -lc 'sudo sh -c \\"docker run --oom-kill-disable x\\"'"`), [
      "docker run --oom-kill-disable x",
    ]);
  });
  it("the command substitution of a ${X:=default} runs when X is not set", () => {
    // The old lexer kept ${…} as text and never read the commands inside it.
    assert.deepEqual(runs(": ${ID:=$(docker run -d --oom-kill-disable redis)}"), [
      "docker run -d --oom-kill-disable redis",
      ": ?$(…)",
    ]);
  });
});

describe("shell parser: sudo bash <<EOF and what the outer shell expands", () => {
  it("the outer shell expands an unquoted here-document before the inner one sets the variable", () => {
    assert.deepEqual(runs("sudo -u root bash -s <<EOF\nM=2g\ndocker run -m $M x\nEOF"), ["docker run -m ?$M x"]);
    assert.deepEqual(runs("M=1g\nsudo bash <<EOF\nM=2g\ndocker run -m $M x\nEOF"), ["docker run -m 1g x"]);
    assert.deepEqual(runs("sudo bash <<'EOF'\nM=2g\ndocker run -m $M x\nEOF"), ["docker run -m 2g x"]);
  });
  it('bash -lc "…$M…": the outer value, or not visible; never the inner script\'s own', () => {
    assert.deepEqual(runs(`bash -lc "M=512m; docker run -m $M x"`), ["docker run -m ?$M x"]);
    assert.deepEqual(runs(`M=1g; sudo bash -c "M=512m; docker run -m \${M} x"`), ["docker run -m 1g x"]);
    assert.deepEqual(runs(`sudo bash -c "docker run -m \\"$M\\" x"`), ["docker run -m ?$M x"]);
  });
});

describe("shell parser: commands in variables and functions", () => {
  it("$RUN with a wrapper inside it, and ${OPT:+flag}", () => {
    assert.deepEqual(runs(`RUN='sudo docker run'; $RUN --oom-kill-disable x`), ["docker run --oom-kill-disable x"]);
    // The old lexer left ${O:+…} unresolved (a flag from the environment) even where the script sets O.
    assert.deepEqual(runs("O=1; E=; docker run ${O:+--oom-kill-disable} ${E:+-m 1g} ${U:+-m 2g} x"), [
      "docker run --oom-kill-disable ?${U:+-m 2g} x",
    ]);
  });
  it("a function runs where it is called, with its arguments as $1… and $@", () => {
    // The old lexer read the body once with $@ unknown: the flag passed at the call was not seen.
    assert.deepEqual(runs(`run() { sudo docker run "$@"; }\nrun -m 1g --oom-kill-disable "a b"`), [
      "docker run -m 1g --oom-kill-disable a b",
    ]);
    assert.deepEqual(runs("start() { docker run -m $1 x; }; start 1g; start 2g"), [
      "docker run -m 1g x",
      "docker run -m 2g x",
    ]);
    assert.deepEqual(runs(`say() { echo "$*" $*; }; say a "b c"`), ["echo a b c a b c"]);
    assert.equal(readScript(`say() { echo "$*"; }; say a "b c"`).invocations[0]!.argv.length, 2);
    assert.deepEqual(runs("never_called() { docker run -m $1 x; }"), ["docker run -m ?$1 x"]);
    assert.deepEqual(runs("loop() { loop; }; loop"), []);
    // Ten calls per level, five levels: 11111 calls, followed up to a bound, the rest reported as not read.
    const fanOut = Array.from({ length: 4 }, (_, i) => `f${i}() { ${`f${i + 1}; `.repeat(10)}}`).join("\n");
    const deep = parseScript(`${fanOut}\nf4() { docker ps; }\nf0`);
    assert.ok(deep.commands.length > 1000 && deep.commands.length < 2000, String(deep.commands.length));
    assert.match(deep.problems[0]!, /function calls past the first 2000 are not followed/);
  });
});

describe("shell parser: the rules see what it reads", () => {
  const violations = async (script: string, remote = false) =>
    (await runDirect(noOomKillDisable, [remote ? remoteCommand("r", script) : localCommand("r", script)])).length;
  it("--oom-kill-disable reached only through each construct is reported", async () => {
    for (const script of [
      "sudo bash <<-EOF\n\tdocker run -m 1g --oom-kill-disable redis\n\tEOF",
      `bash -c $'docker run -m 1g --oom-kill-disable redis'`,
      'run() { docker run "$@"; }\nrun -m 1g --oom-kill-disable redis',
      "O=1; docker run -m 1g ${O:+--oom-kill-disable} redis",
      ": ${ID:=$(docker run -d -m 1g --oom-kill-disable redis)}",
    ])
      assert.equal(await violations(script, true), 1, script);
  });
  it("the flag inside a quoted here-document written to a file is not a run", async () => {
    assert.equal(await violations("cat > /tmp/notes <<'EOF'\ndocker run --oom-kill-disable x\nEOF"), 0);
  });
});

describe("shell parser: its build", () => {
  const repo = path.resolve(__dirname, "..", "..", "..");
  it("scripts/build-shparse.sh prints the artifact the pack looks for", () => {
    const r = spawnSync("bash", [path.join(repo, "scripts", "build-shparse.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const explicit = process.env["QUEUEKIT_SHPARSE_WASM"];
    delete process.env["QUEUEKIT_SHPARSE_WASM"]; // the cache entry the sources' hash names, not an override
    try {
      assert.equal(r.stdout.trim(), shparseLocation().wasm);
    } finally {
      if (explicit !== undefined) process.env["QUEUEKIT_SHPARSE_WASM"] = explicit;
    }
  });
  it("without the built parser, reading a script fails and says how to build it", () => {
    const shell = path.join(__dirname, "..", "lib", "parse", "shell.js");
    const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(shell)}).parseScript("docker run x")`], {
      encoding: "utf8",
      env: { ...process.env, QUEUEKIT_SHPARSE_WASM: "/nonexistent/shparse.wasm" },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the shell parser is not built \(no \/nonexistent\/shparse\.wasm\).*build-shparse\.sh/);
  });
});
