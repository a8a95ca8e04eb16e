// Flower, Celery's web monitor: its keys, their form, plain defaults and parsed type. Its password is the stack
// secret queuekit:flowerPassword (never a plain key); it is published on loopback or a private address only.
import { z } from "zod";
import { MiB } from "./units";
import { runAsKey, withRunAs } from "./runAs";
import { bindAddress, bool, int, size, strict, text } from "./zod";

export interface FlowerConfig {
  readonly enabled: boolean;
  /** Container limit, in bytes. */
  readonly memory: number;
  readonly image: string;
  /** The non-root "uid:gid" it runs as (runAs.ts); `user` is the UI's basic-auth login. */
  readonly runAs: string;
  /** Host address the UI is published on (loopback or private), or "none" (the Docker network only). */
  readonly bind: string;
  readonly port: number;
  /** The basic-auth user; the password is the secret queuekit:flowerPassword. */
  readonly user: string;
  /** Tasks Flower keeps in memory (its --max_tasks): what its memory grows with. */
  readonly maxTasks: number;
}

export const flowerSchema: z.ZodType<FlowerConfig> = strict("flower", {
  enabled: bool().default(false),
  // Measured idle and after 10,000 task events in docs/memory-plan.md (Flower); the default keeps maxTasks' worth.
  memory: size(64 * MiB, " (Flower alone is about 50 MiB resident)").default(160 * MiB),
  image: text('an image reference, e.g. "queuekit/flower:local" or "mher/flower:2.0.1"').default(
    "queuekit/flower:local",
  ),
  // Flower can revoke tasks and shut workers down: never on a public address, even behind its password.
  bind: bindAddress("Flower (it can revoke tasks and shut workers down)").default("127.0.0.1"),
  port: int(1, 65535).default(5555),
  user: text('a user name of letters, digits, ".", "_" or "-", e.g. "admin"', /^[A-Za-z0-9._-]{1,64}$/).default(
    "admin",
  ),
  maxTasks: int(100, 1_000_000, " (each kept task costs Flower memory)").default(10_000),
  runAs: runAsKey().optional(),
})
  .transform(withRunAs)
  .prefault({});
