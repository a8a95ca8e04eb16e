import { redisMaxmemoryWithinContainer } from "../../rules";
import { copyToRemote, localCommand, redisContainer, stringAsset, T, unknown } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const redisMaxmemoryWithinContainerCases: RuleCases = {
  rule: redisMaxmemoryWithinContainer,
  cases: [
    pass("350 MiB of 512 MiB with AOF (68%)", [redisContainer("redis")]),
    pass("460 MB of 512 MiB without persistence (86%)", [
      redisContainer("redis", {}, 'maxmemory 460mb\nsave ""\nappendonly no\n'),
    ]),
    fail(
      "450 MiB of 512 MiB with AOF",
      [redisContainer("redis", {}, "maxmemory 450mb\nappendonly yes\n")],
      /maxmemory 450 MiB is 88% of the 512 MiB container limit; at most 70% \(358\.4 MiB\) with persistence on/,
    ),
    fail(
      "RDB by default (no save line)",
      [redisContainer("redis", {}, "maxmemory 400mb\n")],
      /78% .* with persistence on/,
    ),
    fail(
      "without persistence, above 90%",
      [redisContainer("redis", {}, 'maxmemory 500mb\nsave ""\n')],
      /98% .* without persistence/,
    ),
    pass("a higher ratio allowed by config", [redisContainer("redis", {}, "maxmemory 450mb\nappendonly yes\n")], {
      config: { maxRatioWithPersistence: 0.9 },
    }),
    fail(
      "docker run -m 256m with --maxmemory 250mb",
      [localCommand("r", "docker run -d -m 256m redis:7 redis-server --maxmemory 250mb --save ''")],
      /98% of the 256 MiB container limit/,
    ),
    fail(
      "the kit's RedisBroker",
      [
        {
          type: T.redis,
          name: "b",
          props: {
            memoryBytes: 512 * 2 ** 20,
            maxmemoryBytes: 500 * 2 ** 20,
            maxmemoryPolicy: "noeviction",
            persistence: "rdb",
            auth: true,
          },
        },
      ],
      /RedisBroker inputs: maxmemory 500 MiB is 98%/,
    ),
    fail(
      "the container limit unknown",
      [redisContainer("redis", { memory: unknown() })],
      /the container limit: memory is not known/,
    ),
    fail(
      "compose mem_limit against the maxmemory of a conf another resource copies",
      [
        copyToRemote(
          "app",
          "/srv/jobs/compose.yaml",
          stringAsset(
            "services:\n  queue:\n    image: redis:7\n    mem_limit: 256m\n    command: redis-server /cfg/redis.conf\n    volumes:\n      - type: bind\n        source: ./cfg\n        target: /cfg\n",
          ),
        ),
        copyToRemote("cfg", "/srv/jobs/cfg/redis.conf", stringAsset("maxmemory 250mb\nappendonly yes\n")),
      ],
      /compose service "queue" in \/srv\/jobs\/compose\.yaml: maxmemory 250 MiB is 98% of the 256 MiB container limit/,
    ),
  ],
};
