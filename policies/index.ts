// The policy pack. Constructing it starts the analyzer server, so this module does nothing else:
// tests import rules from ./rules without side effects.
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("queuekit-memory-safety", {
  description:
    "Memory limits, swap, OOM, Redis eviction/exposure and host budget rules for Celery + Redis on Docker hosts",
  policies: [...rules],
});
