import { capName, hardeningRule } from "../lib/ruleKit/hardening";

export const containerCapabilitiesDropped = hardeningRule(
  {
    name: "container-capabilities-dropped",
    description: "Each container drops ALL capabilities and adds back only what a process needs.",
    severity: "low",
    remediation:
      'Drop all capabilities: capabilities.drops ["ALL"] (docker.Container), taskSpec.containerSpec.capDrops, compose `cap_drop: [ALL]`, `docker run --cap-drop ALL`; add back only a measured need with cap_add. Docker\'s default set still holds CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW and more — none of which Redis or a Celery worker needs.',
    cis: { id: "5.4", title: "Ensure that Linux kernel capabilities are restricted within containers" },
    kics: { id: "ce76b7d0-9e77-464d-b86f-c5c48e03e22d", title: "Container Capabilities Unrestricted" },
  },
  {
    key: "capDrop",
    what: "the dropped capabilities",
    problem: (v) =>
      (v ?? []).some((cap) => capName(cap) === "ALL")
        ? undefined
        : v?.length
          ? `drops ${v.join(", ")} but not ALL: Docker's other default capabilities stay.`
          : "drops no capabilities: it keeps Docker's default set (no cap_drop / --cap-drop ALL).",
  },
);
