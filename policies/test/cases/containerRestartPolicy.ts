import { containerRestartPolicy } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset, T } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerRestartPolicyCases: RuleCases = {
  rule: containerRestartPolicy,
  cases: [
    pass("unless-stopped, always, on-failure:5", [
      container("a"),
      container("b", { restart: "always" }),
      localCommand("c", "docker run -d --restart on-failure:5 -m 1g nginx"),
    ]),
    pass("(KICS: on-failure exactly 5) on-failure with 3 retries, in compose and docker run", [
      copyToRemote(
        "d",
        "/srv/q/compose.yml",
        stringAsset("services:\n  a:\n    image: x\n    restart: on-failure:3\n"),
      ),
      localCommand("e", "docker run -d --restart on-failure:3 -m 1g nginx"),
    ]),
    pass("a Swarm service (restarts by default)", [
      { type: T.service, name: "s", props: { taskSpec: { containerSpec: { image: "x" } } } },
    ]),
    pass("compose restart_policy any", [
      copyToRemote(
        "c",
        "/srv/compose.yml",
        stringAsset("services:\n  a:\n    image: x\n    deploy:\n      restart_policy:\n        condition: any\n"),
      ),
    ]),
    pass('compose deploy.restart_policy overrides `restart: "no"`', [
      copyToRemote(
        "c",
        "/srv/compose.yml",
        stringAsset(
          'services:\n  w:\n    image: x\n    restart: "no"\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 3\n',
        ),
      ),
    ]),
    fail(
      "compose deploy.restart_policy with too many attempts overrides `restart: always`",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset(
            "services:\n  w:\n    image: x\n    restart: always\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 12\n",
          ),
        ),
      ],
      /compose service "w".*on-failure:12 — at most 5 retries/,
    ),
    fail(
      "compose deploy.restart_policy condition none overrides `restart: unless-stopped`",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset(
            "services:\n  w:\n    image: x\n    restart: unless-stopped\n    deploy:\n      restart_policy:\n        condition: none\n",
          ),
        ),
      ],
      /compose service "w".*restart policy "no"/,
    ),
    fail(
      "restart unset (Docker's default no)",
      [container("c", { restart: undefined })],
      /restart policy "no" \(Docker's default\)/,
    ),
    fail("restart no", [container("c", { restart: "no" })], /restart policy "no": after an OOM kill it stays down/),
    fail(
      "docker run without --restart",
      [localCommand("r", "docker run -d -m 1g nginx")],
      /`docker run -d -m 1g nginx`: restart policy "no"/,
    ),
    fail(
      "on-failure with too many retries",
      [localCommand("r", "docker run -d --restart=on-failure:10 nginx")],
      /on-failure:10 — at most 5 retries/,
    ),
    fail(
      'compose restart: "no"',
      [copyToRemote("c", "/srv/compose.yml", stringAsset('services:\n  a:\n    image: x\n    restart: "no"\n'))],
      /compose service "a".*restart policy "no"/,
    ),
    fail("always refused by config", [container("c", { restart: "always" })], /"always"/, {
      config: { allowedPolicies: ["unless-stopped"] },
    }),
  ],
};
