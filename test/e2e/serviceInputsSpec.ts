// The program of dockerServiceInputs.e2e.test.ts: every docker.Service input set, in two versions (v1, and v2 with
// each in-place input changed), plus the ForceNew inputs a step may change, and a RemoteImage built on the engine.
import type { TestEngine } from "./dockerEngine";
import type { Registry } from "./registry";
import type { Json, Spec } from "./specProgram";

const MiB = 2 ** 20;
export const LOCAL = "queuekit/redis:7-local";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** What a step of the program varies: v1 is the first `up`, v2 the in-place update. */
export interface Version {
  readonly v: 1 | 2;
  readonly image: string;
  readonly serverAddress: string;
  readonly svcName: string;
  readonly aliases: string[];
  readonly hosts: { host: string; ip: string }[];
  readonly sysctl: Record<string, string>;
  readonly globalMode: boolean;
  readonly containerLabel: string;
  readonly trigger: string;
  readonly buildArg: string;
}

export function full(ver: Version, registry: Registry, bindDir: string, prefix: string): Json {
  const two = ver.v === 2;
  return {
    name: ver.svcName,
    auth: { serverAddress: ver.serverAddress, username: registry.user, password: { $secret: registry.password } },
    labels: [{ label: "queuekit.inputs", value: `v${ver.v}` }],
    mode: { replicated: { replicas: 1 } },
    convergeConfig: { delay: "1s", timeout: two ? "3m" : "2m" },
    updateConfig: {
      parallelism: two ? 2 : 1,
      delay: two ? "2s" : "1s",
      failureAction: two ? "continue" : "pause",
      monitor: two ? "3s" : "2s",
      maxFailureRatio: two ? "0.2" : "0.1",
      order: two ? "start-first" : "stop-first",
    },
    rollbackConfig: {
      parallelism: two ? 3 : 1,
      delay: two ? "4s" : "1s",
      failureAction: two ? "continue" : "pause",
      monitor: two ? "6s" : "5s",
      maxFailureRatio: two ? "0.4" : "0.3",
      order: two ? "start-first" : "stop-first",
    },
    endpointSpec: {
      mode: "vip",
      ports: [
        {
          name: "redis",
          targetPort: 6379,
          publishedPort: two ? 29102 : 29101,
          protocol: "tcp",
          publishMode: "ingress",
        },
        { name: "udp", targetPort: 5000, publishedPort: 29101, protocol: "udp", publishMode: "ingress" },
      ],
    },
    taskSpec: {
      forceUpdate: two ? 1 : 0,
      runtime: "container",
      logDriver: { name: "json-file", options: { "max-size": two ? "2m" : "1m" } },
      networksAdvanceds: [{ id: { $ref: "net.id" }, aliases: ver.aliases, driverOpts: ["com.docker.network.qk=1"] }],
      placement: {
        constraints: [two ? "node.role!=worker" : "node.role==manager"],
        prefs: ["spread=node.role.manager"],
        maxReplicas: two ? 2 : 1,
        platforms: [{ architecture: "amd64", os: "linux" }],
      },
      resources: {
        limits: { memoryBytes: (two ? 96 : 64) * MiB, nanoCpus: two ? 600_000_000 : 500_000_000 },
        reservation: { memoryBytes: (two ? 24 : 16) * MiB, nanoCpus: two ? 200_000_000 : 100_000_000 },
      },
      restartPolicy: { condition: "on-failure", delay: two ? "3s" : "2s", maxAttempts: two ? 4 : 3, window: "20s" },
      containerSpec: {
        image: ver.image,
        commands: ["redis-server"],
        // nosave: a stop is immediate (the delete waits at most stopGracePeriod for the task's container to go).
        args: [
          "--port",
          "6379",
          "--shutdown-on-sigterm",
          "nosave",
          "--shutdown-on-sigint",
          "nosave",
          "--maxmemory",
          two ? "24mb" : "16mb",
        ],
        env: { QK_INPUTS: `v${ver.v}` },
        dir: two ? "/scratch/two" : "/scratch",
        user: "101:102",
        groups: [two ? "103" : "102"],
        hostname: two ? "qk-inputs-two" : "qk-inputs-one",
        hosts: ver.hosts,
        dnsConfig: {
          nameservers: [two ? "10.9.9.2" : "10.9.9.1"],
          searches: [two ? "two.qk.test" : "one.qk.test"],
          options: [two ? "ndots:3" : "ndots:2"],
        },
        init: true,
        isolation: "default",
        readOnly: true,
        capDrops: ["ALL"],
        capAdds: [two ? "CAP_KILL" : "CAP_CHOWN"],
        labels: [{ label: "queuekit.container", value: ver.containerLabel }],
        stopSignal: two ? "SIGINT" : "SIGTERM",
        stopGracePeriod: two ? "25s" : "20s",
        sysctl: ver.sysctl,
        privileges: { seLinuxContext: { disable: true } },
        healthcheck: {
          tests: ["CMD", "redis-cli", "ping"],
          interval: two ? "3s" : "2s",
          timeout: "2s",
          startPeriod: two ? "2s" : "1s",
          retries: two ? 4 : 3,
        },
        mounts: [
          {
            type: "tmpfs",
            target: "/scratch",
            // 0o777, not 0o1777: upstream reads the mode back without the sticky bit (a drift on every refresh).
            tmpfsOptions: { sizeBytes: (two ? 16 : 8) * MiB, mode: 0o777 },
          },
          {
            type: "volume",
            source: `${prefix}-vol`,
            target: "/vol",
            // Unchanged in v2: a changed volume mount is a new set element, whose volumeOptions.labels are ForceNew upstream.
            readOnly: false,
            volumeOptions: {
              noCopy: true,
              driverName: "local",
              driverOptions: { type: "tmpfs", device: "tmpfs", o: "size=4m" },
              labels: [{ label: "queuekit.volume", value: "1" }],
            },
          },
          {
            type: "bind",
            source: bindDir,
            target: "/bind",
            readOnly: true,
            bindOptions: { propagation: two ? "private" : "rprivate" },
          },
        ],
        configs: [
          {
            configId: { $ref: two ? "conf2.id" : "conf1.id" },
            configName: { $ref: two ? "conf2.name" : "conf1.name" },
            fileName: "/etc/qk/conf.txt",
            fileUid: "101",
            fileGid: "102",
            fileMode: two ? 0o440 : 0o444,
          },
        ],
        secrets: [
          {
            secretId: { $ref: "secret.id" },
            secretName: { $ref: "secret.name" },
            fileName: two ? "/run/secrets/qk2" : "/run/secrets/qk",
            fileUid: "101",
            fileGid: "102",
            fileMode: 0o400,
          },
        ],
      },
    },
  };
}

/** A second, smaller service: global mode (or replicated: a replacement), dnsrr, a host-mode port. */
export function glob(ver: Version, prefix: string): Json {
  return {
    name: `${prefix}-glob`,
    mode: ver.globalMode ? { global: true } : { replicated: { replicas: 1 } },
    endpointSpec: {
      mode: "dnsrr",
      ports: [{ targetPort: 6379, publishedPort: 29103, protocol: "tcp", publishMode: "host" }],
    },
    // redis-server without the image's config file argument: that file is the kit's to mount.
    taskSpec: { containerSpec: { image: LOCAL, commands: ["redis-server"], env: { QK_GLOB: `v${ver.v}` } } },
  };
}

export function spec(
  engine: TestEngine,
  registry: Registry,
  dirs: { bind: string; context: string },
  ver: Version,
  prefix: string,
): Spec {
  return {
    provider: { host: engine.host },
    resources: [
      { kind: "Network", name: "net", args: { name: `${prefix}-net`, driver: "overlay", attachable: true } },
      { kind: "Secret", name: "secret", args: { name: `${prefix}-secret`, data: { $secret: b64("qk-secret\n") } } },
      { kind: "ServiceConfig", name: "conf1", args: { name: `${prefix}-conf1`, data: b64("one\n") } },
      { kind: "ServiceConfig", name: "conf2", args: { name: `${prefix}-conf2`, data: b64("two\n") } },
      { kind: "Service", name: "full", args: full(ver, registry, dirs.bind, prefix) },
      { kind: "Service", name: "glob", args: glob(ver, prefix) },
      {
        kind: "RemoteImage",
        name: "built",
        args: {
          name: `${prefix}/built:1`,
          keepLocally: false,
          triggers: { source: ver.trigger },
          build: {
            context: dirs.context,
            dockerfile: "Dockerfile",
            useLegacyBuilder: true,
            buildArgs: { QK_ARG: ver.buildArg },
            labels: { "queuekit.built": "yes" },
            tags: [`${prefix}/built:extra`],
          },
        },
      },
    ],
  };
}
