import { containerSwapBounded } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset, T, unknown } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerSwapBoundedCases: RuleCases = {
  rule: containerSwapBounded,
  cases: [
    pass("memorySwap equal to memory", [container("c")]),
    pass("docker run with --memory-swap equal to -m", [
      localCommand("run", "docker run -d -m 512m --memory-swap=512m nginx"),
    ]),
    pass("compose memswap_limit equal to mem_limit", [
      copyToRemote(
        "c",
        "/srv/compose.yml",
        stringAsset("services:\n  a:\n    image: x\n    mem_limit: 1g\n    memswap_limit: 1g\n"),
      ),
    ]),
    fail(
      "memorySwap unset",
      [container("c", { memorySwap: undefined })],
      /memory-swap is not set, so Docker allows 128 MiB of swap/,
    ),
    fail("memorySwap -1", [container("c", { memorySwap: -1 })], /-1 \(unlimited swap\)/),
    fail("memorySwap twice the memory", [container("c", { memorySwap: 256 })], /128 MiB of swap on a 128 MiB limit/),
    pass("memorySwap twice the memory, maxSwapRatio 1", [container("c", { memorySwap: 256 })], {
      config: { maxSwapRatio: 1 },
    }),
    fail("memorySwap below memory", [container("c", { memorySwap: 64 })], /below the memory limit/),
    fail(
      "docker run -m without --memory-swap",
      [localCommand("run", "docker run -d -m 512m nginx")],
      /memory-swap is not set/,
    ),
    fail(
      "docker run --memory-swap -1",
      [localCommand("run", "docker run -d -m 512m --memory-swap -1 nginx")],
      /unlimited swap/,
    ),
    fail(
      "compose mem_limit without memswap_limit",
      [copyToRemote("c", "/srv/compose.yml", stringAsset("services:\n  a:\n    image: x\n    mem_limit: 1g\n"))],
      /compose service "a".*memory-swap is not set/,
    ),
    fail(
      "docker update --memory-swap -1",
      [localCommand("u", "docker update --memory-swap -1 redis")],
      /docker update --memory-swap -1/,
    ),
    fail(
      "a Swarm service",
      [
        {
          type: T.service,
          name: "s",
          props: { taskSpec: { containerSpec: { image: "x" }, resources: { limits: { memoryBytes: 2 ** 28 } } } },
        },
      ],
      /Swarm services cannot limit swap/,
    ),
    pass(
      "a Swarm service on nodes without swap",
      [
        {
          type: T.service,
          name: "s",
          props: { taskSpec: { containerSpec: { image: "x" }, resources: { limits: { memoryBytes: 2 ** 28 } } } },
        },
      ],
      { config: { swarmNodesWithoutSwap: true } },
    ),
    fail("memorySwap unknown", [container("c", { memorySwap: unknown() })], /memory-swap: memorySwap is not known/),
  ],
};
