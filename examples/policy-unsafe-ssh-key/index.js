// Unsafe (ssh-private-key-secret): the key belongs in connection.privateKey (stored as a secret), not in the
// command's environment, which the state keeps in clear text.
"use strict";
const command = require("@pulumi/command");

// A dummy key, for the example only.
const key = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");

new command.remote.Command("deploy-key", {
  connection: { host: "203.0.113.10", user: "root", agentSocketPath: "/run/ssh-agent.sock" },
  environment: { DEPLOY_KEY: key },
  create: 'install -m 600 /dev/null /root/.ssh/deploy && printf "%s" "$DEPLOY_KEY" > /root/.ssh/deploy',
});
