// pulumi-tfgen-docker writes schema.json and bridge-metadata.json for pulumi-resource-docker:
//
//	pulumi-tfgen-docker schema --out ../pulumi-resource-docker
//
// Descriptions come from the Terraform provider's docs/ folder, found in its module's source:
// QUEUEKIT_UPSTREAM_DIR=$(go list -m -f '{{.Dir}}' github.com/terraform-providers/terraform-provider-docker)
// (without it, use --skip-docs).
package main

import (
	"os"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"github.com/terraform-providers/terraform-provider-docker/queuekit/mapping"
)

// Version is set with -ldflags -X; it only has to be valid semver here (schema.json omits it).
var Version = "5.2.0"

func main() {
	info := mapping.Provider(Version, nil)
	if dir := os.Getenv("QUEUEKIT_UPSTREAM_DIR"); dir != "" {
		info.UpstreamRepoPath = dir
	}
	pftfgen.MainWithMuxer(mapping.Package, info)
}
