// Image references: what a rule matches on once the registry host is gone.

/** "ghcr.io/acme/app:1" → "acme/app:1"; a first path part with a dot is a registry host, not a namespace. */
export const withoutRegistry = (image: string): string => image.replace(/^[^/]*\.[^/]*\//, "");
