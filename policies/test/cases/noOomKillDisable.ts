import { noOomKillDisable } from "../../rules";
import { container, copyToRemote, localCommand, remoteCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const noOomKillDisableCases: RuleCases = {
  rule: noOomKillDisable,
  cases: [
    pass("a container (the provider has no such setting)", [container("c")]),
    pass("docker run --oom-kill-disable=false", [
      localCommand("r", "docker run -d -m 1g --oom-kill-disable=false nginx"),
    ]),
    pass("the flag as text, not as a flag", [
      localCommand(
        "r",
        `echo "--oom-kill-disable" && docker run -d -m 1g -e OPTS=--oom-kill-disable nginx --oom-kill-disable`,
      ),
    ]),
    fail(
      "docker run --oom-kill-disable",
      [localCommand("r", "docker run -d -m 1g --oom-kill-disable nginx")],
      /OOM killer is disabled/,
    ),
    fail(
      "docker create inside sh -c in a remote command",
      [remoteCommand("r", `sh -c 'docker create --oom-kill-disable=true -m 1g busybox'`)],
      /`docker create --oom-kill-disable=true -m 1g busybox`: the OOM killer is disabled/,
    ),
    fail(
      "docker run in the delete script",
      [localCommand("r", "true", { delete: "docker run --rm --oom-kill-disable alpine true" })],
      /delete: .*OOM killer is disabled/,
    ),
    fail(
      "compose oom_kill_disable: true",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  redis:\n    image: redis:7\n    oom_kill_disable: true\n"),
        ),
      ],
      /compose service "redis".*OOM killer is disabled/,
    ),
    fail(
      "daemon.json with oom-kill-disable",
      [copyToRemote("d", "/etc/docker/daemon.json", stringAsset('{"oom-kill-disable": true}'))],
      /\/etc\/docker\/daemon\.json: "oom-kill-disable" is not a dockerd option/,
    ),
    fail(
      "a command kept in a variable and run unquoted ($RUN)",
      [remoteCommand("r", 'RUN="docker run -d -m 256m --oom-kill-disable redis:7"\n$RUN')],
      /the OOM killer is disabled/,
    ),
    fail(
      "eval of a command assembled in variables",
      [localCommand("r", `FLAGS='--oom-kill-disable -m 64m'; eval "docker run -d $FLAGS busybox"`)],
      /the OOM killer is disabled/,
    ),
    pass('the same variable quoted ("$RUN" is one word, no program of that name runs docker)', [
      remoteCommand("r", 'RUN="docker run -d -m 256m --oom-kill-disable redis:7"\n"$RUN" || true'),
    ]),
  ],
};
