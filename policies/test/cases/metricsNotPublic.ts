import { metricsNotPublic } from "../../rules";
import { container, copyToRemote, localCommand, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const exporter = (ports: unknown[], image = "oliver006/redis_exporter:v1.45.0-alpine") =>
  container("exporter", { image, ports });

export const metricsNotPublicCases: RuleCases = {
  rule: metricsNotPublic,
  cases: [
    pass("not published", [exporter([])]),
    pass("published on loopback (queuekit's default)", [
      exporter([{ internal: 9121, external: 19121, ip: "127.0.0.1" }], "queuekit/redis-exporter:local"),
    ]),
    pass("published on a private address", [exporter([{ internal: 9121, external: 9121, ip: "10.0.0.5" }])]),
    pass("not a watcher: another container on 0.0.0.0 is not this rule's business", [
      container("web", { image: "nginx:1", ports: [{ internal: 80, external: 80, ip: "0.0.0.0" }] }),
    ]),
    pass("allowed by config", [exporter([{ internal: 9121, external: 9121, ip: "198.51.100.7" }])], {
      config: { allowedHostIps: ["198.51.100.7"] },
    }),
    fail(
      "the Redis exporter published without an address",
      [exporter([{ internal: 9121, external: 9121 }])],
      /docker\.Container "exporter": publishes port 9121 on all interfaces/,
    ),
    fail(
      "the exporter on a public address",
      [exporter([{ internal: 9121, external: 9121, ip: "198.51.100.7" }])],
      /publishes the Redis exporter on 198\.51\.100\.7, a public address/,
    ),
    fail(
      "docker run -p 5555:5555 … celery flower",
      [localCommand("r", "docker run -d -m 256m -p 5555:5555 acme/app:1 celery -A proj flower")],
      /publishes port 5555 on all interfaces/,
    ),
    fail(
      "a compose Celery exporter with host networking",
      [
        copyToRemote(
          "c",
          "/srv/compose.yml",
          stringAsset("services:\n  ce:\n    image: danihodovic/celery-exporter:0.10\n    network_mode: host\n"),
        ),
      ],
      /host networking, so the Celery exporter listens on every interface/,
    ),
    fail(
      "flower with -P",
      [localCommand("r", "docker run -d -m 256m -P mher/flower:2.0")],
      /\(-P\) on every host interface, its own port included/,
    ),
  ],
};
