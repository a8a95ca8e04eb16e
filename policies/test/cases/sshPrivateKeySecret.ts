import { sshPrivateKeySecret } from "../../rules";
import { container, copyToRemote, localCommand, remoteCommand, secret, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const TLS_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n";
/** A config carrier with uploads, as the kit's Redis carrier is with redis.tls. */
const carrier = (uploads: { file: string; content: unknown }[]) => container("redis-config", { uploads });

export const sshPrivateKeySecretCases: RuleCases = {
  rule: sshPrivateKeySecret,
  cases: [
    pass("the key in connection.privateKey", [remoteCommand("r", "uptime")]),
    pass("(KICS: flags any password) a Redis password in a command's environment is not a private key", [
      localCommand("r", "redis-cli ping", { environment: { REDISCLI_AUTH: "example-only-password" } }),
    ]),
    fail(
      "the key in the environment",
      [localCommand("r", "ssh -i key host", { environment: { KEY } })],
      /environment\.KEY holds a private key/,
    ),
    fail(
      "the key in a script",
      [localCommand("r", `cat > /root/.ssh/id_ed25519 <<'EOF'\n${KEY}EOF`)],
      /^create holds a private key|create holds a private key/,
    ),
    fail(
      "the key in a string asset",
      [copyToRemote("k", "/root/.ssh/id_rsa", stringAsset(KEY.replace(/OPENSSH/g, "RSA")))],
      /source \(string asset\) holds a private key/,
    ),
    fail(
      "a secret environment value is still refused",
      [localCommand("r", "true", { environment: { KEY: secret(KEY) } })],
      /environment\.KEY/,
    ),
    pass("redis.tls: Redis' own TLS server key uploaded to its key file (the kit's carrier)", [
      carrier([
        { file: "/usr/local/etc/redis/redis.conf", content: "port 0\n" },
        { file: "/usr/local/etc/redis/tls/server.key", content: secret(TLS_KEY) },
      ]),
    ]),
    fail(
      "the same key uploaded anywhere else in a container",
      [carrier([{ file: "/root/.ssh/id_ed25519", content: KEY }])],
      /uploads\[0\]\.content holds a private key/,
    ),
    fail(
      "a TLS key file's allowance does not cover the same key in the container's env",
      [
        container("app", {
          envs: [`KEY=${TLS_KEY}`],
          uploads: [{ file: "/usr/local/etc/redis/tls/server.key", content: TLS_KEY }],
        }),
      ],
      /envs\[0\] holds a private key/,
    ),
    pass(
      "another TLS server's key file, listed in tlsKeyFiles",
      [carrier([{ file: "/etc/nginx/tls/server.key", content: TLS_KEY }])],
      { config: { tlsKeyFiles: ["/etc/nginx/tls/server.key"] } },
    ),
    pass("a path allowed by config", [localCommand("r", "true", { environment: { KEY: secret(KEY) } })], {
      config: { allowedPaths: ["environment.KEY"] },
    }),
  ],
};
