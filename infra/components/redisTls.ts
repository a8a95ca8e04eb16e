import { isIP } from "node:net";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readTemplate } from "../render/template";

/** The stack's Redis TLS material: PEM texts, every one a Pulumi secret (the CA certificate too: one output). */
export interface RedisTlsMaterial {
  readonly ca: pulumi.Output<string>;
  readonly cert: pulumi.Output<string>;
  readonly key: pulumi.Output<string>;
}

/**
 * Names the server certificate holds: the Docker alias, loopback (published port, health check), and each address
 * clients reach Redis at — its host's private address, the address redis.bind publishes it on (Swarm tasks connect
 * there) — once each; anything that is not an IP address (redis.bind "none") is skipped.
 */
export const tlsSubjectAltNames = (alias: string, ...addresses: (string | undefined)[]): string => {
  const ips = ["127.0.0.1", ...addresses.filter((a): a is string => a !== undefined && isIP(a) !== 0)];
  return [`DNS:${alias}`, "DNS:localhost", ...[...new Set(ips)].map((ip) => `IP:${ip}`)].join(",");
};

const PEM = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----\n?/g;

/** ca.crt, server.crt, server.key from the generator's output, in that order; throws when one is missing. */
export function splitPems(text: string): { ca: string; cert: string; key: string } {
  const blocks = text.match(PEM) ?? [];
  const [ca, cert, key] = blocks.map((b) => (b.endsWith("\n") ? b : `${b}\n`));
  if (blocks.length !== 3 || !/PRIVATE KEY/.test(key!))
    throw new Error(`Redis TLS generator printed ${blocks.length} PEM blocks, expected CA, certificate and key`);
  return { ca: ca!, cert: cert!, key: key! };
}

/**
 * A CA and a server certificate made once with openssl where Pulumi runs (@pulumi/command's local.Command): its
 * output is a secret in the state and never logged; a changed name list makes new ones.
 */
export function redisTlsMaterial(
  parent: pulumi.Resource | undefined,
  name: string,
  args: { readonly stack: string; readonly subjectAltNames: string },
): RedisTlsMaterial {
  const generated = new command.local.Command(
    name,
    {
      create: readTemplate("redis/tls-certs.sh"),
      interpreter: ["/bin/sh", "-c"],
      environment: { QK_TLS_STACK: args.stack, QK_TLS_SANS: args.subjectAltNames },
      triggers: [args.subjectAltNames],
      logging: "none",
    },
    { parent, additionalSecretOutputs: ["stdout"] },
  );
  const pems = pulumi.secret(generated.stdout.apply(splitPems));
  return {
    ca: pems.apply((p) => p.ca),
    cert: pems.apply((p) => p.cert),
    key: pems.apply((p) => p.key),
  };
}
