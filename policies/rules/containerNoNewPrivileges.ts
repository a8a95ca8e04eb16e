import { hardeningRule } from "../lib/ruleKit/hardening";

/** `no-new-privileges`, `no-new-privileges:true` or `=true`, as Docker accepts them. */
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=]true)?$/i;

export const containerNoNewPrivileges = hardeningRule(
  {
    name: "container-no-new-privileges",
    description: "Each container runs with no-new-privileges: no process gains privileges through setuid files.",
    severity: "medium",
    remediation:
      'Add the security option: securityOpts ["no-new-privileges:true"] (docker.Container), compose `security_opt: ["no-new-privileges:true"]`, `docker run --security-opt no-new-privileges`. Without it a setuid binary in the image (su, passwd, mount) turns a compromised process into root inside the container.',
    cis: { id: "5.26", title: "Ensure that the container is restricted from acquiring additional privileges" },
    kics: { id: "27fcc7d6-c49b-46e0-98f1-6c082a6a2750", title: "No New Privileges Not Set" },
  },
  {
    key: "securityOpts",
    what: "its security options",
    problem: (v) =>
      (v ?? []).some((o) => NO_NEW_PRIVILEGES.test(o.trim()))
        ? undefined
        : (v ?? []).some((o) => /^no-new-privileges[:=]false$/i.test(o.trim()))
          ? "sets no-new-privileges:false."
          : "does not set no-new-privileges (security_opt / --security-opt).",
  },
);
