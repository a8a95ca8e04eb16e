import { containerMemoryLimit } from "../../rules";
import { container, copyToRemote, localCommand, remoteCommand, stringAsset, T, unknown } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const service = (limits: Record<string, unknown> | undefined) => ({
  type: T.service,
  name: "svc",
  props: { name: "svc", taskSpec: { containerSpec: { image: "nginx" }, ...(limits && { resources: { limits } }) } },
});
const compose = (service: string) =>
  copyToRemote(
    "compose",
    "/srv/app/docker-compose.yml",
    stringAsset(`services:\n  web:\n    image: nginx\n${service}`),
  );

export const containerMemoryLimitCases: RuleCases = {
  rule: containerMemoryLimit,
  cases: [
    pass("a container with a limit", [container("c")]),
    pass("every source with a limit", [
      service({ memoryBytes: 256 * 2 ** 20 }),
      localCommand(
        "run",
        "docker run -d --name a -m 256m --memory-swap 256m nginx && docker run -d --memory=1g --memory-swap=1g nginx && docker create -m1g nginx",
      ),
      remoteCommand("remote", `bash -c "docker container run -d -m 512m --memory-swap 512m redis:7"`),
      compose("    mem_limit: 256m\n"),
      copyToRemote(
        "compose2",
        "/srv/b/compose.yaml",
        stringAsset(
          "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          memory: 300M\n",
        ),
      ),
    ]),
    fail(
      "docker.Container without memory",
      [container("c", { memory: undefined, memorySwap: undefined })],
      /docker\.Container "c": no memory limit/,
    ),
    fail("docker.Container with memory 0 (unset)", [container("c", { memory: 0 })], /no memory limit/),
    fail(
      "a byte count passed as MiB",
      [container("c", { memory: 512 * 2 ** 20, memorySwap: 512 * 2 ** 20 })],
      /above maxMiB .* byte count/,
    ),
    fail("below Docker's minimum", [container("c", { memory: 4, memorySwap: 4 })], /below 6 MiB/),
    fail("docker.Service without limits", [service(undefined)], /docker\.Service "svc": no memory limit/),
    fail(
      "docker run without -m in a local command",
      [localCommand("run", "docker run -d --name web nginx")],
      /create: `docker run -d --name web nginx`: no memory limit/,
    ),
    fail(
      "docker container run inside bash -c in a remote command",
      [remoteCommand("remote", `set -e\nbash -c 'docker container run --rm -d nginx'`)],
      /no memory limit/,
    ),
    fail(
      "docker create in the update script",
      [localCommand("c", "true", { update: "sudo docker create --name x busybox" })],
      /update: `sudo docker create --name x busybox`: no memory limit/,
    ),
    fail(
      "compose service without mem_limit",
      [compose('    ports: ["127.0.0.1:80:80"]\n')],
      /compose service "web" in \/srv\/app\/docker-compose\.yml: no memory limit/,
    ),
    fail(
      "-m inside a quoted echo is not a limit",
      [localCommand("run", `echo "docker run -m 1g" && docker run -d nginx`)],
      /`docker run -d nginx`: no memory limit/,
    ),
    pass("-m from a variable the script sets", [
      localCommand("run", `MEM=512m\ndocker run -d -m "$MEM" --memory-swap "$MEM" nginx`),
    ]),
    pass("-m from the command's environment", [
      localCommand("run", `docker run -d -m "$MEM" nginx`, { environment: { MEM: "1g" } }),
    ]),
    fail(
      "-m from the host's environment",
      [localCommand("run", `docker run -d -m "$MEM" nginx`)],
      /--memory \$MEM comes from the shell environment/,
    ),
    fail("memory unknown during preview", [container("c", { memory: unknown() })], /memory is not known until/),
    fail("memory unknown, onUnknown warn", [container("c", { memory: unknown() })], /memory is not known until/, {
      config: { onUnknown: "warn" },
      level: "advisory",
    }),
    pass("memory unknown, onUnknown ignore", [container("c", { memory: unknown() })], {
      config: { onUnknown: "ignore" },
    }),
    pass("maxMiB raised", [container("c", { memory: 100000, memorySwap: 100000 })], { config: { maxMiB: 200000 } }),
  ],
};
