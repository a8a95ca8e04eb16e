import { redisBrokerEvictionSafe } from "../../rules";
import { container, copyToRemote, redisContainer, remoteCommand, stringAsset, T } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const redisBrokerEvictionSafeCases: RuleCases = {
  rule: redisBrokerEvictionSafe,
  cases: [
    pass("noeviction", [redisContainer("redis")]),
    pass("volatile-lru", [redisContainer("redis", {}, "maxmemory 300mb\nmaxmemory-policy volatile-lru\n")]),
    pass("Redis' default (noeviction)", [redisContainer("redis", {}, "maxmemory 300mb\n")]),
    fail(
      "allkeys-lru in redis.conf",
      [redisContainer("redis", {}, "maxmemory 300mb\nmaxmemory-policy allkeys-lru\n")],
      /maxmemory-policy allkeys-lru evicts keys without a TTL/,
    ),
    fail(
      "allkeys-random in argv overrides the file",
      [
        redisContainer("redis", {
          command: ["redis-server", "/usr/local/etc/redis/redis.conf", "--maxmemory-policy", "allkeys-random"],
        }),
      ],
      /allkeys-random/,
    ),
    fail(
      "allkeys-lfu in a conf copied to a host",
      [copyToRemote("c", "/etc/redis/redis.conf", stringAsset("maxmemory 1gb\nmaxmemory-policy ALLKEYS-LFU\n"))],
      /allkeys-lfu/,
    ),
    fail(
      "the kit's RedisBroker",
      [
        {
          type: T.redis,
          name: "b",
          props: {
            memoryBytes: 2 ** 29,
            maxmemoryBytes: 2 ** 28,
            maxmemoryPolicy: "allkeys-lru",
            persistence: "aof",
            auth: true,
          },
        },
      ],
      /RedisBroker inputs: maxmemory-policy allkeys-lru/,
    ),
    fail(
      "volatile-lru refused by a stricter config",
      [redisContainer("redis", {}, "maxmemory 300mb\nmaxmemory-policy volatile-lru\n")],
      /volatile-lru/,
      { config: { allowedPolicies: ["noeviction"] } },
    ),
    fail(
      "an include the pack does not follow",
      [redisContainer("redis", {}, "maxmemory 300mb\ninclude /etc/redis/extra.conf\n")],
      /include \/etc\/redis\/extra\.conf is not followed/,
    ),
    pass("not Redis", [container("web")]),
    fail(
      "allkeys-lru in a conf another resource writes, bind-mounted by a docker run",
      [
        remoteCommand(
          "conf",
          "mkdir -p /etc/broker && cat > /etc/broker/redis.conf <<'CONF'\nmaxmemory 100mb\nmaxmemory-policy allkeys-lru\nCONF",
        ),
        remoteCommand(
          "run",
          "docker run -d --name broker -m 256m -v /etc/broker/redis.conf:/r.conf redis:7 redis-server /r.conf",
        ),
      ],
      /`docker run -d --name broker .*maxmemory-policy allkeys-lru evicts/,
    ),
  ],
};
