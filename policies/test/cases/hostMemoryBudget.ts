import * as os from "os";
import { hostMemoryBudget } from "../../rules";
import {
  container,
  copyToRemote,
  redisContainer,
  stringAsset,
  T,
  unknown,
  vpsHost,
  workerContainer,
} from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const SSH = "ssh://root@10.0.0.5";
const remoteVps = (memoryBytes: number) =>
  vpsHost("vps", {
    memoryBytes,
    reserveBytes: 256 * 2 ** 20,
    connection: { kind: "ssh", host: "10.0.0.5", port: 22, user: "root" },
  });
const machineMiB = Math.ceil(os.totalmem() / 2 ** 20);

export const hostMemoryBudgetCases: RuleCases = {
  rule: hostMemoryBudget,
  cases: [
    pass("512 + 1024 MiB + 384 MiB reserve in 2 GiB", [
      vpsHost("host"),
      redisContainer("redis"),
      workerContainer("worker"),
    ]),
    fail(
      "a second 1 GiB worker does not fit",
      [vpsHost("host"), redisContainer("redis"), workerContainer("w1"), workerContainer("w2")],
      /the local host: limits 2\.5 GiB \+ reserve 384 MiB = 2\.88 GiB exceed its 2 GiB of RAM \(from VpsHost\) by 896 MiB/,
    ),
    fail(
      "replicas count",
      [
        vpsHost("host"),
        {
          type: T.service,
          name: "svc",
          props: {
            mode: { replicated: { replicas: 3 } },
            taskSpec: { containerSpec: { image: "x" }, resources: { limits: { memoryBytes: 600 * 2 ** 20 } } },
          },
        },
      ],
      /svc \(docker\.Service\): 3 × 600 MiB/,
    ),
    fail(
      "an unlimited container makes the budget unbounded",
      [vpsHost("host"), container("c", { memory: undefined })],
      /1 container\(s\) have no memory limit/,
    ),
    pass("a remote host's containers against its VpsHost", [
      remoteVps(1024 * 2 ** 20),
      redisContainer("redis", {}, undefined, SSH),
      copyToRemote(
        "compose",
        "/srv/c.yml",
        stringAsset("services:\n  a:\n    image: x\n    mem_limit: 200m\n"),
        "10.0.0.5",
      ),
    ]),
    fail(
      "a compose file counts against the host it is copied to",
      [
        remoteVps(1024 * 2 ** 20),
        redisContainer("redis", {}, undefined, SSH),
        copyToRemote(
          "compose",
          "/srv/c.yml",
          stringAsset("services:\n  a:\n    image: x\n    mem_limit: 400m\n    deploy:\n      replicas: 2\n"),
          "10.0.0.5",
        ),
      ],
      /host 10\.0\.0\.5: limits 1\.28 GiB/,
    ),
    pass("containers on another host do not count", [
      remoteVps(1024 * 2 ** 20),
      redisContainer("redis", {}, undefined, SSH),
      workerContainer("w", undefined, {}),
    ]),
    fail(
      "a remote host with no declared RAM",
      [redisContainer("redis", {}, undefined, "ssh://root@10.0.0.9")],
      /host 10\.0\.0\.9: the host's RAM: the RAM of host 10\.0\.0\.9 is not declared/,
    ),
    pass("a remote host declared in the pack config", [redisContainer("redis", {}, undefined, "ssh://root@10.0.0.9")], {
      config: { hosts: { "10.0.0.9": { memory: "1GiB", reserve: "256MiB" } } },
    }),
    fail(
      "a remote host declared too small",
      [redisContainer("redis", {}, undefined, "ssh://root@10.0.0.9")],
      /exceed its 640 MiB of RAM \(from pack config\)/,
      { config: { hosts: { "10.0.0.9": { memory: "640MiB", reserve: "256MiB" } } } },
    ),
    fail(
      "the local machine without a VpsHost",
      [container("huge", { memory: machineMiB + 1, memorySwap: machineMiB + 1 })],
      /from this machine/,
    ),
    fail(
      "a limit unknown during preview",
      [vpsHost("host"), container("c", { memory: unknown() })],
      /"c": the memory limit counted in the local host.s budget: memory is not known/,
    ),
    fail(
      "a provider host unknown during preview",
      [
        container("c", {}, undefined),
        { ...container("d"), provider: { type: "pulumi:providers:docker", name: "p", props: { host: unknown() } } },
      ],
      /which host's budget it counts against/,
    ),
  ],
};
