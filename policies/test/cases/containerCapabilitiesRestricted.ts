import { containerCapabilitiesRestricted } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const containerCapabilitiesRestrictedCases: RuleCases = {
  rule: containerCapabilitiesRestricted,
  cases: [
    pass("no added capabilities, or a harmless one", [
      container("c"),
      container("d", { capabilities: { adds: ["NET_BIND_SERVICE"], drops: ["ALL"] } }),
    ]),
    fail("SYS_ADMIN", [container("c", { capabilities: { adds: ["SYS_ADMIN"] } })], /adds SYS_ADMIN/),
    fail(
      "--cap-add CAP_IPC_LOCK",
      [localCommand("r", "docker run -d --cap-add=CAP_IPC_LOCK --cap-add NET_BIND_SERVICE nginx")],
      /adds CAP_IPC_LOCK\./,
    ),
    fail(
      "compose cap_add ALL",
      [copyToRemote("c", "/srv/compose.yml", stringAsset("services:\n  a:\n    image: x\n    cap_add: [ALL]\n"))],
      /adds ALL/,
    ),
    pass("SYS_ADMIN allowed by config", [container("c", { capabilities: { adds: ["SYS_ADMIN"] } })], {
      config: { forbiddenCapabilities: ["ALL"] },
    }),
  ],
};
