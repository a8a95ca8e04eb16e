// The policy pack. Constructing it starts the analyzer server, so this module does nothing else:
// tests import rules from ./rules without side effects.
import { deferSdk } from "./lib/startup/deferSdk";
deferSdk(); // before @pulumi/policy loads the SDK: see lib/startup/deferSdk.ts
// The imports below run after deferSdk(): TypeScript keeps the order of CommonJS requires.
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("queuekit-memory-safety", {
  description:
    "Memory limits, swap, OOM, Redis eviction/exposure and host budget rules for Celery + Redis on Docker hosts",
  policies: [...rules],
});
