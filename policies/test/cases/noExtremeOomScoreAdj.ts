import { noExtremeOomScoreAdj } from "../../rules";
import { copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

export const noExtremeOomScoreAdjCases: RuleCases = {
  rule: noExtremeOomScoreAdj,
  cases: [
    pass("no adjustment, and a moderate one", [
      localCommand("r", "docker run -d -m 1g nginx; docker run -d -m 1g --oom-score-adj=-100 nginx"),
    ]),
    fail(
      "--oom-score-adj -1000",
      [localCommand("r", "docker run -d -m 1g --oom-score-adj -1000 redis")],
      /oom-score-adj -1000 is below -500/,
    ),
    fail(
      "compose oom_score_adj -900",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  redis:\n    image: redis\n    oom_score_adj: -900\n"),
        ),
      ],
      /compose service "redis".*-900/,
    ),
    pass("-900 allowed by config", [localCommand("r", "docker run -d --oom-score-adj=-900 redis")], {
      config: { minOomScoreAdj: -1000 },
    }),
    fail("above a configured maximum", [localCommand("r", "docker run -d --oom-score-adj 900 redis")], /above 500/, {
      config: { maxOomScoreAdj: 500 },
    }),
  ],
};
