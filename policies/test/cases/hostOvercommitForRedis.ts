import { hostOvercommitForRedis } from "../../rules";
import { copyToRemote, localCommand, redisContainer, remoteCommand, stringAsset, vpsHost } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const remoteRedis = (host: string) =>
  copyToRemote(
    "compose",
    "/srv/q/compose.yml",
    stringAsset(
      "services:\n  redis:\n    image: redis:7\n    command: redis-server --appendonly yes --maxmemory 100mb\n",
    ),
    host,
  );

export const hostOvercommitForRedisCases: RuleCases = {
  rule: hostOvercommitForRedis,
  cases: [
    pass("the kit's VpsHost sets it", [vpsHost("host"), redisContainer("redis")]),
    pass("sysctl -w in a local command", [
      localCommand("sysctl", "sudo sysctl -w vm.overcommit_memory=1"),
      redisContainer("redis"),
    ]),
    pass("echo 1 > /proc/sys/vm/overcommit_memory", [
      localCommand("sysctl", "echo 1 > /proc/sys/vm/overcommit_memory"),
      redisContainer("redis"),
    ]),
    pass("a sysctl.d drop-in copied to the same host", [
      remoteRedis("10.0.0.5"),
      copyToRemote("sysctl", "/etc/sysctl.d/90-redis.conf", stringAsset("vm.overcommit_memory = 1\n"), "10.0.0.5"),
    ]),
    pass("a drop-in written by a heredoc", [
      remoteRedis("10.0.0.5"),
      remoteCommand(
        "sysctl",
        "cat > /etc/sysctl.d/90-redis.conf <<EOF\nvm.overcommit_memory=1\nEOF\nsysctl --system",
        "10.0.0.5",
      ),
    ]),
    pass("Redis without persistence", [redisContainer("redis", {}, 'maxmemory 100mb\nsave ""\nappendonly no\n')]),
    pass("set outside the stack (config)", [redisContainer("redis")], {
      config: { hostsConfiguredElsewhere: ["local"] },
    }),
    fail(
      "a host the stack does not prepare: advisory, saying what was not read",
      [redisContainer("redis")],
      /the local host runs Redis with persistence \(redis \(docker\.Container "redis"\)\); this stack does not prepare that host .* so vm\.overcommit_memory on it was not read\. .*list "local" in hostsConfiguredElsewhere/,
      { level: "advisory" },
    ),
    fail(
      "set on another host only: the Redis host is not prepared (advisory)",
      [remoteRedis("10.0.0.5"), remoteCommand("sysctl", "sysctl -w vm.overcommit_memory=1", "10.0.0.6")],
      /host 10\.0\.0\.5 runs Redis.*does not prepare that host/,
      { level: "advisory" },
    ),
    fail(
      "the stack prepares the host (THP off, swappiness) but leaves overcommit out: mandatory",
      [
        remoteRedis("10.0.0.5"),
        remoteCommand(
          "tune",
          "echo never > /sys/kernel/mm/transparent_hugepage/enabled && sysctl -w vm.swappiness=1",
          "10.0.0.5",
        ),
      ],
      /host 10\.0\.0\.5 runs Redis with persistence .* this stack prepares that host \(.*tune: transparent_hugepage via .*\) but nothing in it sets vm\.overcommit_memory = 1/,
    ),
    fail(
      "a VpsHost without the overcommit setting: mandatory",
      [vpsHost("host", { sysctl: { swappiness: 1 } }), redisContainer("redis")],
      /this stack prepares that host \(VpsHost host.*\) but nothing in it sets vm\.overcommit_memory = 1/,
    ),
    pass("persistence turned off in a conf another resource copies: no finding", [
      copyToRemote(
        "compose",
        "/srv/q/compose.yml",
        stringAsset(
          "services:\n  redis:\n    image: redis:7\n    command: redis-server /etc/redis.conf\n    volumes: ['./redis.conf:/etc/redis.conf']\n",
        ),
        "10.0.0.5",
      ),
      copyToRemote("conf", "/srv/q/redis.conf", stringAsset('maxmemory 10mb\nsave ""\nappendonly no\n'), "10.0.0.5"),
      remoteCommand("tune", "sysctl -w vm.swappiness=1", "10.0.0.5"),
    ]),
    fail(
      "the VpsHost sets 0",
      [vpsHost("host", { sysctl: { overcommitMemory: 0 } }), redisContainer("redis")],
      /queuekit:host:VpsHost sets vm\.overcommit_memory = 0; it must be 1/,
    ),
    fail(
      "a command sets 2",
      [localCommand("sysctl", "sysctl vm.overcommit_memory=2"), redisContainer("redis")],
      /sets vm\.overcommit_memory = 2/,
    ),
    fail(
      "strict: a host the stack does not prepare is mandatory",
      [redisContainer("redis")],
      /this stack does not prepare that host .*\(strict: what the pack cannot read is refused\)/,
      { config: { strict: true }, level: "mandatory" },
    ),
  ],
};
