import { sshPrivateKeySecret } from "../../rules";
import { copyToRemote, localCommand, remoteCommand, secret, stringAsset } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

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
    pass("a path allowed by config", [localCommand("r", "true", { environment: { KEY: secret(KEY) } })], {
      config: { allowedPaths: ["environment.KEY"] },
    }),
  ],
};
