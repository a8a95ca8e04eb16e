import { containerHealthcheck } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerHealthcheckCases: RuleCases = {
  rule: containerHealthcheck,
  cases: [
    pass("a health check", [container("c"), localCommand("r", "docker run -d --health-cmd 'redis-cli ping' redis:7")]),
    fail("none", [container("c", { healthcheck: undefined })], /docker\.Container "c": no health check/),
    fail("disabled with NONE", [container("c", { healthcheck: { tests: ["NONE"] } })], /health check is disabled/),
    fail(
      "docker run --no-healthcheck",
      [localCommand("r", "docker run -d --no-healthcheck redis:7")],
      /health check is disabled/,
    ),
    fail(
      "compose healthcheck disable",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  a:\n    image: x\n    healthcheck:\n      disable: true\n"),
        ),
      ],
      /compose service "a".*disabled/,
    ),
    pass("none, trusting the image", [container("c", { healthcheck: undefined })], {
      config: { trustImageHealthchecks: true },
    }),
  ],
};
