import { memoryReservationBelowLimit } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const memoryReservationBelowLimitCases: RuleCases = {
  rule: memoryReservationBelowLimit,
  cases: [
    pass("reservation below the limit", [container("c", { memoryReservation: 64 })]),
    pass("docker update of the reservation alone", [localCommand("u", "docker update --memory-reservation 64m redis")]),
    fail(
      "reservation equal to the limit",
      [container("c", { memoryReservation: 128 })],
      /reservation 128 MiB is not below the limit \(128 MiB\)/,
    ),
    fail(
      "docker run reservation above -m",
      [localCommand("r", "docker run -d -m 256m --memory-reservation 512m nginx")],
      /512 MiB is not below/,
    ),
    fail(
      "compose reservation without a limit",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  a:\n    image: x\n    mem_reservation: 128m\n"),
        ),
      ],
      /without a hard limit bounds nothing/,
    ),
    fail(
      "reservation above a configured ratio",
      [container("c", { memoryReservation: 120 })],
      /not below 0\.9 × the limit/,
      { config: { maxRatio: 0.9 } },
    ),
  ],
};
