import { redisNotPublic } from "../../rules";
import { copyToRemote, localCommand, redisContainer, stringAsset, T } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const compose = (body: string) =>
  copyToRemote(
    "c",
    "/srv/compose.yml",
    stringAsset(
      `services:\n  redis:\n    image: redis:7\n    command: ["redis-server", "--maxmemory", "100mb", "--requirepass", "x"]\n${body}`,
    ),
  );

export const redisNotPublicCases: RuleCases = {
  rule: redisNotPublic,
  cases: [
    pass("not published, with a password", [redisContainer("redis")]),
    pass("published on loopback", [
      redisContainer("redis", { ports: [{ internal: 6379, external: 6379, ip: "127.0.0.1" }] }),
    ]),
    pass("(KICS: a published address without a dot is unbound) published on IPv6 loopback", [
      redisContainer("redis", { ports: [{ internal: 6379, external: 6379, ip: "::1" }] }),
    ]),
    pass("published on a private address", [
      redisContainer("redis", { ports: [{ internal: 6379, external: 6379, ip: "10.0.0.5" }] }),
    ]),
    pass("docker run -p 127.0.0.1:…", [
      localCommand(
        "r",
        "docker run -d -m 512m -p 127.0.0.1:6379:6379 redis:7 redis-server --requirepass x --maxmemory 100mb",
      ),
    ]),
    fail(
      "published without an address",
      [redisContainer("redis", { ports: [{ internal: 6379, external: 6379 }] })],
      /publishes port 6379 on all interfaces/,
    ),
    fail(
      "published on 0.0.0.0",
      [redisContainer("redis", { ports: [{ internal: 6379, external: 16379, ip: "0.0.0.0" }] })],
      /publishes port 16379 on 0\.0\.0\.0/,
    ),
    fail(
      "published on ::",
      [localCommand("r", "docker run -d -p [::]:6379:6379 redis:7 redis-server --requirepass x")],
      /on ::/,
    ),
    fail(
      "published on a public address",
      [redisContainer("redis", { ports: [{ internal: 6379, external: 6379, ip: "203.0.113.7" }] })],
      /203\.0\.113\.7, a public address/,
    ),
    fail(
      "published on a link-local address (not private: the contract's ranges)",
      [redisContainer("redis", { ports: [{ internal: 6379, external: 6379, ip: "169.254.10.1" }] })],
      /169\.254\.10\.1, a public address/,
    ),
    fail(
      "docker run -p 6379:6379 and no password",
      [localCommand("r", "docker run -d -p 6379:6379 redis:7")],
      [/on all interfaces/, /no password \(no requirepass\)/],
    ),
    fail(
      "docker run -P",
      [localCommand("r", "docker run -d -P redis:7 --requirepass x")],
      /publishes all exposed ports \(-P\)/,
    ),
    fail("compose network_mode: host", [compose("    network_mode: host\n")], /host networking/),
    fail(
      "compose short port syntax",
      [compose('    ports: ["6379:6379"]\n')],
      /compose service "redis".*on all interfaces/,
    ),
    pass("compose long syntax on loopback", [
      compose("    ports:\n      - target: 6379\n        published: 6379\n        host_ip: 127.0.0.1\n"),
    ]),
    pass("requirepass in a conf another resource copies next to the compose file", [
      copyToRemote(
        "stack",
        "/srv/cache/compose.yml",
        stringAsset(
          "services:\n  cache:\n    image: redis:7\n    command: redis-server /conf/cache.conf\n    volumes: ['./cache.conf:/conf/cache.conf']\n",
        ),
      ),
      copyToRemote("conf", "/srv/cache/cache.conf", stringAsset("maxmemory 50mb\nrequirepass hunter2\n")),
    ]),
    fail(
      "the conf another resource copies has no requirepass",
      [
        copyToRemote(
          "stack",
          "/srv/cache/compose.yml",
          stringAsset(
            "services:\n  cache:\n    image: redis:7\n    command: redis-server /conf/cache.conf\n    volumes: ['./cache.conf:/conf/cache.conf']\n",
          ),
        ),
        copyToRemote("conf", "/srv/cache/cache.conf", stringAsset("maxmemory 50mb\n")),
      ],
      /compose service "cache".*no password/,
    ),
    pass("compose long syntax with the address in `published`", [
      compose('    ports:\n      - target: 6379\n        published: "127.0.0.1:16379"\n'),
    ]),
    pass("compose long syntax with an IPv6 loopback in `published`", [
      compose('    ports:\n      - target: 6379\n        published: "[::1]:16379"\n'),
    ]),
    fail(
      "compose long syntax with 0.0.0.0 in `published`",
      [compose('    ports:\n      - target: 6379\n        published: "0.0.0.0:16379"\n')],
      /publishes port 16379 on 0\.0\.0\.0/,
    ),
    fail(
      "a Swarm service with a published port",
      [
        {
          type: T.service,
          name: "s",
          props: {
            taskSpec: { containerSpec: { image: "redis:7", args: ["--requirepass", "x"] } },
            endpointSpec: { ports: [{ targetPort: 6379, publishedPort: 6379 }] },
          },
        },
      ],
      /Swarm ingress/,
    ),
    fail("no password", [redisContainer("redis", {}, "maxmemory 300mb\n")], /no password \(no requirepass\)/),
    fail(
      "ACL default user without password",
      [redisContainer("redis", {}, "maxmemory 300mb\nuser default on nopass ~* +@all\n")],
      /`user default on nopass`/,
    ),
    pass("ACL default user with a password", [
      redisContainer("redis", {}, "maxmemory 300mb\nuser default on >s3cret ~* +@all\n"),
    ]),
    pass("no password, requireAuth off", [redisContainer("redis", {}, "maxmemory 300mb\n")], {
      config: { requireAuth: false },
    }),
    fail(
      "the kit's RedisBroker published on 0.0.0.0",
      [
        {
          type: T.redis,
          name: "b",
          props: {
            memoryBytes: 2 ** 29,
            maxmemoryBytes: 2 ** 28,
            maxmemoryPolicy: "noeviction",
            persistence: "aof",
            auth: true,
            publishOn: "0.0.0.0",
          },
        },
      ],
      /RedisBroker inputs: publishes port \? on 0\.0\.0\.0/,
    ),
  ],
};
