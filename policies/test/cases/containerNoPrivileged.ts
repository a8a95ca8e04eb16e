import { containerNoPrivileged } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerNoPrivilegedCases: RuleCases = {
  rule: containerNoPrivileged,
  cases: [
    pass("not privileged", [
      container("c"),
      container("d", { privileged: false }),
      localCommand("r", "docker run -d --privileged=false nginx"),
    ]),
    fail("privileged: true", [container("c", { privileged: true })], /docker\.Container "c": runs privileged/),
    fail("docker run --privileged", [localCommand("r", "docker run -d --privileged -m 1g nginx")], /runs privileged/),
    fail(
      "compose privileged: true",
      [copyToRemote("c", "/srv/compose.yml", stringAsset("services:\n  a:\n    image: x\n    privileged: true\n"))],
      /compose service "a".*runs privileged/,
    ),
  ],
};
