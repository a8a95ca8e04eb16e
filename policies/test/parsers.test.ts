// The parsers the rules stand on: shell words, docker argv, compose, redis.conf, sizes.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readScript } from "../lib/parse/commandLine";
import { parseCompose, shortPort } from "../lib/parse/composeFile";
import { composeFilesOf, parseDockerCommand } from "../lib/parse/dockerCli";
import { filesWritten, settingsOfScript } from "../lib/model/deliveredFiles";
import { hostOfDockerUrl } from "../lib/model/dockerHosts";
import { parseRedisArgv, parseRedisConf, persistent } from "../lib/parse/redisSettings";
import { parseScript, splitWords } from "../lib/parse/shell";
import { MiB, parseDockerSize, parseRedisSize } from "../lib/parse/sizes";
import { isPrivate } from "../lib/ruleKit/exposure";

const argvs = (script: string): string[][] => readScript(script).invocations.map((i) => i.argv.map((w) => w.text));

describe("shell words", () => {
  it("quotes, escapes and continuations", () => {
    assert.deepEqual(argvs(`docker run -e "A=b c" -e 'D=$e' x\\ y \\\n  --rm`), [
      ["docker", "run", "-e", "A=b c", "-e", "D=$e", "x y", "--rm"],
    ]);
  });
  it("separators, keywords, pipelines and comments", () => {
    assert.deepEqual(argvs("if true; then a 1 && b 2 || c; fi # d\n(e) | f &"), [
      ["true"],
      ["a", "1"],
      ["b", "2"],
      ["c"],
      ["e"],
      ["f"],
    ]);
  });
  it("variables the script sets, and ones it does not", () => {
    const [cmd] = parseScript("M=1g; export N=2g\necho $M ${N} ${O:-3g} $P").commands.slice(-1);
    assert.deepEqual(
      cmd!.words.map((w) => [w.text, w.dynamic]),
      [
        ["echo", false],
        ["1g", false],
        ["2g", false],
        ["3g", true],
        ["$P", true],
      ],
    );
  });
  it("commands inside $(…) and backticks", () => {
    assert.deepEqual(argvs('ID=$(docker run -d -m 1g x); echo "`docker ps`"'), [
      ["docker", "run", "-d", "-m", "1g", "x"],
      ["docker", "ps"],
      ["echo", "`…`"],
    ]);
  });
  it("sh -c, bash -lc, su -c and wrappers", () => {
    assert.deepEqual(
      argvs(`sudo -u root env A=1 nohup bash -lc 'timeout 5 docker run x' ; su -c "docker update -m 1g y" root`),
      [
        ["docker", "run", "x"],
        ["docker", "update", "-m", "1g", "y"],
      ],
    );
  });
  it("here-documents and redirections", () => {
    const r = readScript(
      "cat > /etc/a.conf <<'EOF'\nmaxmemory 1gb\n$NOT_EXPANDED\nEOF\necho 1 > /proc/sys/vm/overcommit_memory 2>&1\nprintf 'x\\n' | tee -a /tmp/t",
    );
    assert.deepEqual(filesWritten(r.invocations), [
      { path: "/etc/a.conf", content: "maxmemory 1gb\n$NOT_EXPANDED\n" },
      { path: "/proc/sys/vm/overcommit_memory", content: "1\n" },
      { path: "/tmp/t", content: "x\n" },
    ]);
  });
  it("an unquoted expansion is split into fields; a quoted one is not", () => {
    assert.deepEqual(argvs('RUN="docker run -d  -m 1g x"; $RUN --rm; "$RUN"'), [
      ["docker", "run", "-d", "-m", "1g", "x", "--rm"],
      ["docker run -d  -m 1g x"],
    ]);
  });
  it("what an outer shell expands stays not visible inside bash -c; what it sets is resolved", () => {
    const words = (script: string) =>
      readScript(script).invocations.map((i) => i.argv.map((w) => (w.dynamic ? `?${w.text}` : w.text)));
    assert.deepEqual(words(`M=1g bash -c "M=2g; docker run -m $M x"`), [["docker", "run", "-m", "?$M", "x"]]);
    assert.deepEqual(words(`M=1g; bash -c "M=2g; docker run -m $M x"`), [["docker", "run", "-m", "1g", "x"]]);
    assert.deepEqual(words(`M=1g bash -c 'docker run -m $M x'`), [["docker", "run", "-m", "1g", "x"]]);
    assert.deepEqual(words(`bash -c "docker run -m \\$M x"`), [["docker", "run", "-m", "?$M", "x"]]);
    assert.deepEqual(words(`X=$HOME/bin; $X/tool -v`), [["?$HOME/bin/tool", "-v"]]);
    // Exported variables reach the inner shell; plain ones do not.
    assert.deepEqual(words(`export A=1g; B=2g; bash -c 'docker run -m $A --memory-swap $B x'`).slice(-1), [
      ["docker", "run", "-m", "1g", "--memory-swap", "?$B", "x"],
    ]);
    assert.deepEqual(words(`C=3g; export C; sh -c 'docker run -m $C x'`).slice(-1), [
      ["docker", "run", "-m", "3g", "x"],
    ]);
  });
  it("scripts a shell reads on stdin: here-documents (expanded unless quoted), here-strings, pipes, eval", () => {
    assert.deepEqual(argvs("L=1g\nsudo bash <<EOF\ndocker run -m $L a\nEOF"), [["docker", "run", "-m", "1g", "a"]]);
    assert.deepEqual(argvs("sudo bash -s <<'EOF'\nL=2g; docker run -m $L b\nEOF"), [
      ["docker", "run", "-m", "2g", "b"],
    ]);
    assert.deepEqual(argvs(`bash <<< "docker run c"; echo 'docker run d' | sh`), [
      ["docker", "run", "c"],
      ["echo", "docker run d"],
      ["docker", "run", "d"],
    ]);
    assert.deepEqual(argvs(`C='docker run'; eval "$C e"`), [["docker", "run", "e"]]);
    assert.deepEqual(argvs("bash deploy.sh <<EOF\ndocker run f\nEOF"), [["bash", "deploy.sh"]]);
  });
  it("reports what it cannot read", () => {
    assert.match(parseScript("echo 'open").problems[0]!, /unterminated single quote/);
    assert.match(parseScript("cat <<EOF\nno end").problems[0]!, /not terminated/);
  });
  it("compose command strings", () => {
    assert.deepEqual(splitWords(`redis-server --save "" --requirepass 'a b'`).words, [
      "redis-server",
      "--save",
      "",
      "--requirepass",
      "a b",
    ]);
  });
});

describe("docker argv", () => {
  const parse = (s: string) => parseDockerCommand(readScript(s).invocations[0]!.argv)!;
  it("long, short, attached and clustered forms", () => {
    const d = parse(
      "docker -H ssh://u@h run -dit -m1g --memory-swap=2g -p 80:80 --name web -e X=1 nginx:1 nginx -g 'daemon off;'",
    );
    assert.equal(d.verb, "run");
    assert.equal(d.engineHost?.text, "ssh://u@h");
    assert.deepEqual(
      [...d.flags.keys()],
      ["detach", "interactive", "tty", "memory", "memory-swap", "publish", "name", "env"],
    );
    assert.equal(d.flags.get("memory")![0]!.text, "1g");
    assert.equal(d.image?.text, "nginx:1");
    assert.deepEqual(
      d.args.map((a) => a.text),
      ["nginx", "-g", "daemon off;"],
    );
  });
  it("a value-taking short flag at the end of a cluster, and booleans with =false", () => {
    const d = parse("docker container create -dm 512m --oom-kill-disable=false --privileged busybox");
    assert.equal(d.flags.get("memory")![0]!.text, "512m");
    assert.equal(d.flags.get("oom-kill-disable")![0]!.text, "false");
    assert.equal(d.image?.text, "busybox");
  });
  it("update takes containers, not an image", () => {
    const d = parse("docker update -m 1g --memory-swap 1g a b");
    assert.deepEqual(
      d.args.map((a) => a.text),
      ["a", "b"],
    );
    assert.equal(d.image, undefined);
  });
  it("compose files named with -f / --file before the subcommand only", () => {
    const files = (line: string) => composeFilesOf(readScript(line).invocations[0]!.argv)?.map((w) => w.text);
    assert.deepEqual(files("docker compose -p q -f a.json --file b.yml --file=c.yaml up -d"), [
      "a.json",
      "b.yml",
      "c.yaml",
    ]);
    assert.deepEqual(files("sudo docker-compose -fstack.json up"), ["stack.json"]);
    assert.deepEqual(files("docker compose logs -f web"), []);
    assert.equal(files("docker run -f x"), undefined);
  });
  it("other programs and verbs are not container starts", () => {
    assert.equal(parseDockerCommand(readScript("docker ps -a").invocations[0]!.argv), undefined);
    assert.equal(parseDockerCommand(readScript("dockerd --debug").invocations[0]!.argv), undefined);
  });
});

describe("compose", () => {
  it("services, deploy limits, interpolation defaults, ports", () => {
    const c = parseCompose(`
x-base: &base
  restart: unless-stopped
services:
  redis:
    <<: *base
    image: redis:\${TAG:-7}
    deploy: { replicas: 2, resources: { limits: { memory: 512M } } }
    ports: ["127.0.0.1:6379:6379", "[::1]:6380:6379/tcp"]
  app:
    image: \${IMAGE}
`);
    const [redis, app] = c.services;
    assert.equal(redis!.image, "redis:7");
    assert.equal(redis!.memLimit, "512M");
    assert.equal(redis!.replicas, 2);
    assert.equal(redis!.restart, "unless-stopped");
    assert.deepEqual(redis!.ports, [
      { hostIp: "127.0.0.1", hostPort: "6379", containerPort: "6379", protocol: "tcp" },
      { hostIp: "::1", hostPort: "6380", containerPort: "6379", protocol: "tcp" },
    ]);
    assert.match(String(app!.image), /\$IMAGE in the environment/);
  });
  it("compose's !reset/!override tags: the file is read and no warning is printed into the preview", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): number => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const c = parseCompose(`services:\n  redis:\n    mem_limit: 256m\n    ports: !reset []\n`);
      await new Promise((done) => setImmediate(done)); // process warnings are emitted on a later tick
      assert.equal(c.services[0]!.memLimit, "256m");
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
  it("deploy.restart_policy over restart; an address inside long-syntax published", () => {
    const [a, b] = parseCompose(
      [
        "services:",
        "  a:",
        "    restart: always",
        "    deploy: { restart_policy: { condition: on-failure, max_attempts: 4 } }",
        '    ports: [{ target: 80, published: "127.0.0.1:8080" }, { target: 81, published: 8081 }]',
        "  b:",
        '    restart: "no"',
        "    deploy: { restart_policy: { delay: 5s } }",
      ].join("\n"),
    ).services;
    assert.equal(a!.restart, "on-failure:4");
    assert.equal(b!.restart, "always"); // condition defaults to any
    assert.deepEqual(
      (a!.ports as { hostIp?: string; hostPort?: string }[]).map((p) => [p.hostIp, p.hostPort]),
      [
        ["127.0.0.1", "8080"],
        [undefined, "8081"],
      ],
    );
  });
  it("short port syntax", () => {
    assert.deepEqual(shortPort("6379"), { hostIp: undefined, containerPort: "6379", protocol: "tcp" });
    assert.deepEqual(shortPort("8000:80/udp"), {
      hostIp: undefined,
      hostPort: "8000",
      containerPort: "80",
      protocol: "udp",
    });
  });
});

describe("redis", () => {
  it("redis.conf: quoting, last value wins, save reset", () => {
    const s = parseRedisConf(
      `maxmemory 1gb\nmaxmemory 512mb\nmaxmemory-policy "allkeys-lru"\nsave 60 1\nsave ""\nrequirepass "p w"\n`,
    );
    assert.equal(s.maxmemory, 512 * MiB);
    assert.equal(s.maxmemoryPolicy, "allkeys-lru");
    assert.equal(s.save, false);
    assert.equal(s.auth, true);
    assert.equal(persistent(s), false);
  });
  it("persistence is on by default", () => {
    assert.equal(persistent(parseRedisConf("maxmemory 1mb\n")), true);
  });
  it("redis-server argv", () => {
    const a = parseRedisArgv(
      ["/etc/r.conf", "--save", "", "--maxmemory", "1gb"].map((text) => ({ text, dynamic: false })),
    );
    assert.equal(a.confPath, "/etc/r.conf");
    assert.deepEqual(
      a.directives.map((d) => [d.name, d.args]),
      [
        ["save", [""]],
        ["maxmemory", ["1gb"]],
      ],
    );
  });
});

describe("sizes, hosts, addresses", () => {
  it("docker and redis units differ", () => {
    assert.equal(parseDockerSize("1g"), 1024 * MiB);
    assert.equal(parseDockerSize("1.5GiB"), 1536 * MiB);
    assert.equal(parseDockerSize("512mb"), 512 * MiB);
    assert.equal(parseRedisSize("1m"), 1_000_000);
    assert.equal(parseRedisSize("1mb"), MiB);
    assert.equal(parseDockerSize("lots"), undefined);
  });
  it("host keys", () => {
    assert.equal(hostOfDockerUrl("unix:///var/run/docker.sock"), "local");
    assert.equal(hostOfDockerUrl("ssh://root@10.0.0.5"), "10.0.0.5");
    assert.equal(hostOfDockerUrl("ssh://root@10.0.0.5:2222"), "10.0.0.5:2222");
    assert.equal(hostOfDockerUrl("tcp://[fd00::1]:2376"), "fd00::1");
  });
  it("private addresses", () => {
    for (const ip of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "::1", "fd12::1"])
      assert.ok(isPrivate(ip), ip);
    // Link-local is not private (the contract's ranges): cloud metadata lives there.
    for (const ip of ["8.8.8.8", "172.32.0.1", "2001:db8::1", "169.254.169.254", "fe80::1", "fd::1"])
      assert.ok(!isPrivate(ip), ip);
  });
  it("host settings from a script", () => {
    const s = settingsOfScript(
      "sysctl -w vm.overcommit_memory=1 net.core.somaxconn=1024; echo never > /sys/kernel/mm/transparent_hugepage/enabled",
      "t",
    );
    assert.deepEqual(
      s.map((x) => [x.key, x.value]),
      [
        ["vm.overcommit_memory", "1"],
        ["net.core.somaxconn", "1024"],
        ["transparent_hugepage", "never"],
      ],
    );
  });
});

describe("readers never throw", () => {
  // A deterministic stream of odd inputs: shell metacharacters, quotes, YAML and redis.conf syntax.
  const ALPHABET = [..."abcdm-=:\"'`$(){}[]|&;<>\\\n\t #*!~/.,0123456789"].concat([
    "docker",
    "run",
    "-m",
    "<<EOF",
    "EOF",
    "sh -c",
    "--oom-kill-disable",
    "services:",
    "  ",
    "- ",
    "maxmemory",
    "${",
    "$(",
  ]);
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const text = (): string =>
    Array.from({ length: Math.floor(next() * 60) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join("");
  it("on 3000 random inputs", () => {
    for (let i = 0; i < 3000; i++) {
      const s = text();
      const reading = readScript(s);
      for (const inv of reading.invocations) parseDockerCommand(inv.argv);
      filesWritten(reading.invocations);
      parseCompose(s);
      parseRedisConf(s);
      splitWords(s);
    }
  });
});
