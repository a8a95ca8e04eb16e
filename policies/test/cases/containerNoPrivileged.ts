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
    fail(
      "a script fed to sudo bash through a here-document",
      [localCommand("r", "sudo bash <<'SETUP'\nset -e\ndocker run -d -m 64m --privileged alpine sleep 1d\nSETUP")],
      /`docker run -d -m 64m --privileged alpine sleep 1d` \(line 2\): runs privileged/,
    ),
    fail(
      "a script piped into sh",
      [localCommand("r", "printf 'docker run -d -m 64m --privileged alpine\\n' | sudo sh -s")],
      /runs privileged/,
    ),
    fail(
      "a here-string to bash",
      [localCommand("r", `bash <<< "docker run -d -m 64m --privileged alpine"`)],
      /runs privileged/,
    ),
  ],
};
