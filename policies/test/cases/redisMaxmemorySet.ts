import { redisMaxmemorySet } from "../../rules";
import {
  container,
  copyToRemote,
  localCommand,
  redisContainer,
  remoteCommand,
  secret,
  stringAsset,
  T,
  unknown,
} from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const broker = (props: Record<string, unknown>) => ({
  type: T.redis,
  name: "broker",
  props: {
    memoryBytes: 512 * 2 ** 20,
    maxmemoryBytes: 358 * 2 ** 20,
    maxmemoryPolicy: "noeviction",
    persistence: "aof",
    auth: true,
    ...props,
  },
});

// A compose file and the redis.conf it bind-mounts, each delivered by its own resource (the usual layout).
const composeMounting = (conf = "./redis.conf", host?: string) =>
  copyToRemote(
    "compose",
    "/opt/queue/compose.yaml",
    stringAsset(
      `services:\n  broker:\n    image: redis:7.2\n    mem_limit: 512m\n    command: ["redis-server", "/etc/redis/broker.conf"]\n    volumes:\n      - ${conf}:/etc/redis/broker.conf:ro\n      - ./data:/data\n`,
    ),
    host,
  );
const confCopy = (text: string, path = "/opt/queue/redis.conf", host?: string) =>
  copyToRemote("broker-conf", path, stringAsset(text), host);

export const redisMaxmemorySetCases: RuleCases = {
  rule: redisMaxmemorySet,
  cases: [
    pass("redis.conf uploaded with maxmemory", [redisContainer("redis")]),
    pass("--maxmemory in argv makes up for the file", [
      redisContainer(
        "redis",
        { command: ["redis-server", "/usr/local/etc/redis/redis.conf", "--maxmemory", "300mb"] },
        "appendonly yes\n",
      ),
    ]),
    pass("redis-server inside sh -c", [
      container("redis", {
        image: "redis:7",
        command: ["sh", "-c", 'exec redis-server --maxmemory 100mb --requirepass "$PASS"'],
      }),
    ]),
    pass("the kit's RedisBroker", [broker({})]),
    pass("a RedisBroker that passes no summary is not read (its container is)", [
      { type: T.redis, name: "broker", props: {} },
    ]),
    pass("a redis.conf copied to a host", [
      copyToRemote("conf", "/etc/redis/redis.conf", stringAsset("maxmemory 1gb\n")),
    ]),
    pass("a conf the same script writes and bind-mounts", [
      remoteCommand(
        "redis",
        `cat > /opt/redis/redis.conf <<'EOF'\nmaxmemory 200mb\nrequirepass x\nEOF\ndocker run -d --name redis -m 512m -v /opt/redis/redis.conf:/etc/redis.conf:ro redis:7 redis-server /etc/redis.conf`,
      ),
    ]),
    pass("compose and its bind-mounted redis.conf delivered by two resources to one host", [
      composeMounting(),
      confCopy("maxmemory 180mb\nrequirepass q\n"),
    ]),
    pass("the same, the conf registered first and mounted by absolute path", [
      confCopy("maxmemory 180mb\n", "/etc/queue/broker.conf"),
      composeMounting("/etc/queue/broker.conf"),
    ]),
    pass("a docker.Container on a remote engine bind-mounting a conf a CopyToRemote delivers there", [
      confCopy("maxmemory 100mb\n", "/etc/qk/redis.conf"),
      container(
        "cache",
        {
          image: "redis:7",
          command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
          volumes: [{ hostPath: "/etc/qk/redis.conf", containerPath: "/usr/local/etc/redis/redis.conf" }],
        },
        "ssh://root@203.0.113.10",
      ),
    ]),
    fail(
      "the same docker.Container on the local engine: the conf is on another host",
      [
        confCopy("maxmemory 100mb\n", "/etc/qk/redis.conf"),
        container("cache", {
          image: "redis:7",
          command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
          volumes: [{ hostPath: "/etc/qk/redis.conf", containerPath: "/usr/local/etc/redis/redis.conf" }],
        }),
      ],
      /docker\.Container "cache": maxmemory: config file \/usr\/local\/etc\/redis\/redis\.conf \(host file \/etc\/qk\/redis\.conf on the local host\) is bind-mounted from a host file that no resource of this stack delivers/,
    ),
    pass("a docker run in one command mounting a conf another command writes", [
      remoteCommand("write-conf", "install -d /etc/q && printf 'maxmemory 64mb\\n' > /etc/q/r.conf"),
      remoteCommand("start", "docker run -d -m 256m -v /etc/q:/cfg:ro redis:7 redis-server /cfg/r.conf"),
    ]),
    fail(
      "the bind-mounted conf another resource delivers has no maxmemory",
      [composeMounting(), confCopy("appendonly yes\nrequirepass q\n")],
      /compose service "broker" in \/opt\/queue\/compose\.yaml: maxmemory is not set/,
    ),
    fail(
      "the bind-mounted conf is delivered to another host",
      [composeMounting(), confCopy("maxmemory 180mb\n", "/opt/queue/redis.conf", "198.51.100.4")],
      /host file \/opt\/queue\/redis\.conf on host 203\.0\.113\.10\) is bind-mounted from a host file that no resource of this stack delivers/,
    ),
    pass("a conf without maxmemory, mounted by a server that passes --maxmemory: the conf is not judged alone", [
      copyToRemote(
        "compose",
        "/srv/kv/docker-compose.yml",
        stringAsset(
          "services:\n  kv:\n    image: redis:7\n    command: redis-server /usr/local/etc/redis/redis.conf --maxmemory 90mb\n    volumes: [./conf:/usr/local/etc/redis]\n",
        ),
      ),
      confCopy("appendonly yes\n", "/srv/kv/conf/redis.conf"),
    ]),
    pass("not Redis: redis-cli in a redis image", [
      container("cli", { image: "redis:7", command: ["redis-cli", "-h", "redis", "ping"] }),
    ]),
    fail(
      "redis.conf without maxmemory",
      [redisContainer("redis", {}, "appendonly yes\nrequirepass x\n")],
      /docker\.Container "redis": maxmemory is not set/,
    ),
    fail("maxmemory 0", [redisContainer("redis", {}, "maxmemory 0\n")], /maxmemory is not set \(0 = no limit\)/),
    fail(
      "the image's default command",
      [container("redis", { image: "redis:7-alpine", command: undefined })],
      /maxmemory is not set/,
    ),
    fail(
      "entrypoint-style arguments without --maxmemory",
      [container("redis", { image: "docker.io/library/redis:7", command: ["--appendonly", "yes"] })],
      /maxmemory is not set/,
    ),
    fail(
      "docker run redis in a command",
      [localCommand("r", "docker run -d --name redis -m 512m redis:7 redis-server --appendonly yes")],
      /`docker run -d --name redis -m 512m redis:7 redis-server --appendonly yes`: maxmemory is not set/,
    ),
    fail(
      "compose redis without maxmemory",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  redis:\n    image: redis:7\n    command: redis-server --save 60 1\n"),
        ),
      ],
      /compose service "redis".*maxmemory is not set/,
    ),
    pass("compose redis with --maxmemory", [
      copyToRemote(
        "c",
        "/srv/compose.yml",
        stringAsset("services:\n  redis:\n    image: redis:7\n    command: redis-server --maxmemory 200mb\n"),
      ),
    ]),
    fail(
      "a redis.conf copied to a host without maxmemory",
      [copyToRemote("conf", "/etc/redis/redis.conf", stringAsset("appendonly yes\n"))],
      /redis config `\/etc\/redis\/redis\.conf`: maxmemory is not set/,
    ),
    fail(
      "the kit's RedisBroker without maxmemory",
      [broker({ maxmemoryBytes: 0 })],
      /RedisBroker inputs: maxmemory is not set/,
    ),
    fail(
      "the config file is not delivered",
      [container("redis", { image: "redis:7", command: ["redis-server", "/data/redis.conf"] })],
      /config file \/data\/redis\.conf is not delivered by this resource/,
    ),
    fail(
      "the uploaded config is unknown",
      [redisContainer("redis", { uploads: [{ file: "/usr/local/etc/redis/redis.conf", content: secret(unknown()) }] })],
      /\(uploads\[0\]\.content\) is not known/,
    ),
    fail(
      "--maxmemory from the shell environment",
      [container("redis", { image: "redis:7", command: ["sh", "-c", "redis-server --maxmemory $MAXMEM"] })],
      /--maxmemory \$MAXMEM comes from the shell environment/,
    ),
  ],
};
