import { containerLogRotation } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerLogRotationCases: RuleCases = {
  rule: containerLogRotation,
  cases: [
    pass("json-file with max-size", [container("c")]),
    pass("the local driver, and docker run --log-opt", [
      container("c", { logDriver: "local", logOpts: undefined }),
      localCommand("r", "docker run -d --log-opt max-size=10m nginx"),
    ]),
    pass("a daemon.json that rotates", [
      copyToRemote(
        "d",
        "/etc/docker/daemon.json",
        stringAsset('{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}'),
      ),
    ]),
    fail(
      "json-file without max-size",
      [container("c", { logOpts: { "max-file": "3" } })],
      /json-file logs without max-size/,
    ),
    fail(
      "no log settings",
      [container("c", { logDriver: undefined, logOpts: undefined })],
      /no log driver set \(Docker's default json-file\)/,
    ),
    fail("docker run without log options", [localCommand("r", "docker run -d nginx")], /no log driver set/),
    fail(
      "a daemon.json that does not rotate",
      [copyToRemote("d", "/etc/docker/daemon.json", stringAsset('{"live-restore": true}'))],
      /default json-file logs have no max-size/,
    ),
    fail(
      "a daemon.json that is not JSON",
      [copyToRemote("d", "/etc/docker/daemon.json", stringAsset('{"log-driver": "json-file",}'))],
      /not valid JSON/,
    ),
    pass("no log settings, trusting the daemon", [container("c", { logDriver: undefined, logOpts: undefined })], {
      config: { trustDaemonDefaults: true },
    }),
  ],
};
