import { containerMemoryLimit } from "../../rules";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { container, copyToRemote, fileAsset, localCommand, remoteCommand, stringAsset, T, unknown } from "../fixtures";
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

const JSON_APP = JSON.stringify({ services: { api: { image: "nginx", restart: "always" } } }, null, 2);

/** A compose file padded past 1 MiB with a comment: size must not take it out of the rules' sight. */
function paddedCompose(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qk-policy-"));
  const file = path.join(dir, "compose.yml");
  fs.writeFileSync(file, `# ${"x".repeat(3 * 1024 * 1024)}\nservices:\n  padded:\n    image: nginx\n`);
  return file;
}

export const containerMemoryLimitCases: RuleCases = {
  rule: containerMemoryLimit,
  cases: [
    pass("a container with a limit", [container("c")]),
    pass("(KICS: a version 3 file needs deploy.resources) mem_limit in a version 3.8 compose file", [
      copyToRemote(
        "v3",
        "/srv/v3/compose.yml",
        stringAsset('version: "3.8"\nservices:\n  a:\n    image: x\n    mem_limit: 256m\n'),
      ),
    ]),
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
    pass("the command's environment reaches a nested bash -c (it is exported)", [
      localCommand("run", `bash -c 'docker run -d -m "$MEM" --memory-swap "$MEM" nginx'`, {
        environment: { MEM: "256m" },
      }),
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
    fail(
      "a compose file in JSON (compose.json)",
      [copyToRemote("app", "/srv/app/compose.json", stringAsset(JSON_APP))],
      /compose service "api" in \/srv\/app\/compose\.json: no memory limit/,
    ),
    fail(
      "a JSON file another resource runs with docker compose -f",
      [
        copyToRemote("app", "/srv/app/stack-def.json", stringAsset(JSON_APP)),
        remoteCommand("up", "cd /srv/app && docker compose -p app -f /srv/app/stack-def.json up -d"),
      ],
      /compose service "api" in \/srv\/app\/stack-def\.json: no memory limit/,
    ),
    fail(
      "a JSON file the same script writes and runs with docker-compose --file=",
      [remoteCommand("up", `cat > /opt/a.json <<'EOF'\n${JSON_APP}\nEOF\ndocker-compose --file=/opt/a.json up -d`)],
      /compose service "api" in \/opt\/a\.json: no memory limit/,
    ),
    pass("`docker compose logs -f` (follow) names no compose file", [
      copyToRemote("app", "/srv/app/notes.txt", stringAsset("services:\n  api:\n    image: nginx\n")),
      remoteCommand("logs", "docker compose logs -f /srv/app/notes.txt"),
    ]),
    fail(
      "a compose file above 1 MiB",
      [copyToRemote("big", "/srv/big/compose.yml", fileAsset(paddedCompose()))],
      /compose service "padded" in \/srv\/big\/compose\.yml: no memory limit/,
    ),
    fail(
      "outer shell expands $MEM before bash -lc sees it (the prefix assignment is not visible there yet)",
      [remoteCommand("r", `MEM=256m bash -lc "docker run -d -m $MEM --memory-swap 256m nginx"`)],
      /--memory \$MEM comes from the shell environment/,
    ),
    pass("outer shell expands a variable it set before bash -lc", [
      remoteCommand("r", `LIMIT=300m\nsudo -E bash -lc "docker run -d -m $LIMIT --memory-swap $LIMIT nginx"`),
    ]),
    fail(
      "the inner script's own assignment does not count when the outer shell expanded the variable",
      [localCommand("r", `bash -c "M=128m; docker run -d -m $M nginx"`)],
      /--memory \$M comes from the shell environment/,
    ),
    pass("an escaped \\$ is left to the inner shell, which sets it", [
      localCommand("r", `bash -c "M=128m; docker run -d -m \\$M --memory-swap \\$M nginx"`),
    ]),
    fail(
      "an unquoted here-document expands the outer shell's variables",
      [localCommand("r", "sudo bash <<EOF\ndocker run -d -m $UNSET_LIMIT nginx\nEOF")],
      /--memory \$UNSET_LIMIT comes from the shell environment/,
    ),
    fail(
      "strict overrides onUnknown warn: an unknown limit is mandatory",
      [container("c", { memory: unknown() })],
      /memory is not known until.*\(strict: what the pack cannot read is refused\)/,
      { config: { onUnknown: "warn", strict: true }, level: "mandatory" },
    ),
  ],
};
