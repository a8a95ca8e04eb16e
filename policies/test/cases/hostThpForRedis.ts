import { hostThpForRedis } from "../../rules";
import { copyToRemote, localCommand, redisContainer, stringAsset, vpsHost } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const hostThpForRedisCases: RuleCases = {
  rule: hostThpForRedis,
  cases: [
    pass("the kit's VpsHost (never)", [vpsHost("host"), redisContainer("redis")]),
    pass("echo never | tee …/enabled", [
      localCommand("thp", "echo never | sudo tee /sys/kernel/mm/transparent_hugepage/enabled"),
      redisContainer("redis"),
    ]),
    pass("a systemd unit copied to the host", [
      redisContainer("redis", {}, undefined, "ssh://root@10.0.0.5"),
      copyToRemote(
        "unit",
        "/etc/systemd/system/thp.service",
        stringAsset(
          "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo never > /sys/kernel/mm/transparent_hugepage/enabled'\n",
        ),
        "10.0.0.5",
      ),
    ]),
    fail(
      "a host the stack does not prepare: says the mode was not read",
      [redisContainer("redis")],
      /the local host runs Redis; this stack does not prepare that host .* so its transparent huge pages mode was not read/,
    ),
    fail(
      "a host the stack prepares without turning THP off",
      [localCommand("tune", "sysctl -w vm.overcommit_memory=1"), redisContainer("redis")],
      /the local host runs Redis and this stack prepares that host \(tune: vm\.overcommit_memory via .*\) but nothing in it turns transparent huge pages off/,
    ),
    fail(
      "strict: the unread mode is mandatory",
      [redisContainer("redis")],
      /transparent huge pages mode was not read.*\(strict: what the pack cannot read is refused\)/,
      { config: { strict: true }, level: "mandatory" },
    ),
    fail(
      "the VpsHost leaves it at always",
      [vpsHost("host", { thp: "always" }), redisContainer("redis")],
      /sets transparent huge pages to always/,
    ),
    pass("no Redis", [localCommand("x", "true")]),
  ],
};
