import { hardeningRule } from "../lib/ruleKit/hardening";

/** root by name or uid, with or without a group. */
const ROOT = /^(?:root|0)(?::.*)?$/i;

export const containerNonRootUser = hardeningRule(
  {
    name: "container-non-root-user",
    description: "Each container names a non-root user to run as.",
    severity: "medium",
    remediation:
      'Set user to a non-root uid (docker.Container `user`, taskSpec.containerSpec.user, compose `user: "999:999"`, `docker run --user 999`). The pack does not read an image\'s USER: a container that sets none is reported, since the image may run as root.',
    cis: { id: "4.1", title: "Ensure that a user for the container has been created" },
  },
  {
    key: "user",
    what: "the user it runs as",
    problem: (v) =>
      v === undefined || v.trim() === ""
        ? "sets no user: it runs as its image's default user, which the pack does not read (possibly root)."
        : ROOT.test(v.trim())
          ? `runs as root (user ${v}).`
          : undefined,
  },
);
