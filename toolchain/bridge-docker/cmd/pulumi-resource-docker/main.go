// pulumi-resource-docker: the docker provider plugin bridged from the Terraform docker provider.
//
// schema.json and bridge-metadata.json are written by pulumi-tfgen-docker before this is built
// (scripts/toolchain-bridge.sh); they are build output and not committed.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/terraform-providers/terraform-provider-docker/queuekit/mapping"
)

// Version is the version the plugin reports: the @pulumi/docker SDK's, set with -ldflags -X.
var Version = "5.2.0"

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pftfbridge.MainWithMuxer(context.Background(), mapping.Package, mapping.Provider(Version, metadata), schema)
}
