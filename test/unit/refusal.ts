// The refusal a config gets from parseConfig, for the unit tests of each config section.
import assert from "node:assert/strict";
import { ConfigError } from "../../infra/config/errors";
import { parseConfig } from "../../infra/config/parse";

/** The ConfigError that parseConfig throws for raw (paths relative to baseDir); fails the test when raw is accepted. */
export function configRefusal(raw: unknown, baseDir?: string): ConfigError {
  try {
    parseConfig(raw, baseDir);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  return assert.fail("config was accepted");
}
