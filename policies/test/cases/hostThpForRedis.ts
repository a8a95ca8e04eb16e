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
      "nothing turns it off",
      [redisContainer("redis")],
      /the local host runs Redis and nothing in the stack turns transparent huge pages off/,
    ),
    fail(
      "the VpsHost leaves it at always",
      [vpsHost("host", { thp: "always" }), redisContainer("redis")],
      /sets transparent huge pages to always/,
    ),
    pass("no Redis", [localCommand("x", "true")]),
  ],
};
