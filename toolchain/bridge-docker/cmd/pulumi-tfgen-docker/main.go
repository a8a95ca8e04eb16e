// pulumi-tfgen-docker writes schema.json and bridge-metadata.json for pulumi-resource-docker:
//
//	pulumi-tfgen-docker schema --out ../pulumi-resource-docker
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"github.com/terraform-providers/terraform-provider-docker/queuekit/mapping"
)

// Version is set with -ldflags -X; it only has to be valid semver here (schema.json omits it).
var Version = "5.2.0"

func main() { pftfgen.MainWithMuxer(mapping.Package, mapping.Provider(Version, nil)) }
