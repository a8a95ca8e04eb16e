import { hardeningRule } from "../lib/ruleKit/hardening";

export const containerReadOnlyRoot = hardeningRule(
  {
    name: "container-read-only-root",
    description: "Each container's root filesystem is read-only; it writes only to volumes and tmpfs mounts.",
    severity: "low",
    remediation:
      "Set readOnly: true (docker.Container / taskSpec.containerSpec), compose `read_only: true`, or `docker run --read-only`, and give each process the tmpfs or volume it writes to (e.g. --tmpfs /tmp:size=16m). A writable root lets a compromised process change the image's binaries and configuration, and fills the host's disk outside any volume quota.",
    cis: { id: "5.13", title: "Ensure that the container's root filesystem is mounted as read only" },
  },
  {
    key: "readOnlyRoot",
    what: "a read-only root filesystem",
    problem: (v) =>
      v === true ? undefined : "its root filesystem is writable (no readOnly / read_only / --read-only).",
  },
);
