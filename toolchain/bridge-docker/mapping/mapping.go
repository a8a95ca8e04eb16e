// Package mapping is queuekit's own mapping of the Terraform docker provider (kreuzwerker) onto the
// Pulumi package "docker" as the @pulumi/docker npm SDK pinned in package.json (5.2.0) addresses it:
// the type tokens it registers and the property names it sends.
//
// The bridge derives property names itself (snake_case -> camelCase, lists pluralised); the
// Overrides below are the places where the SDK spells a property differently. They were found by
// comparing the generated schema with node_modules/@pulumi/docker/*.d.ts (see mapping_test.go).
package mapping

import (
	"context"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	sdkv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/queuekit/upstream"
)

// Package is the Pulumi package name; Module the only module its tokens use.
const (
	Package = "docker"
	Module  = "index"
)

// UpstreamVersion is the Terraform provider's version string as we build it (its module is
// pinned by pseudo-version in go.mod; the provider reports this in its user agent only).
const UpstreamVersion = "0.0.0-20260916201441-96d331c98ff4"

// Resources: Terraform resource type -> SDK class name (token docker:index/<camel>:<Class>).
var Resources = map[string]string{
	"docker_container":      "Container",
	"docker_image":          "RemoteImage", // the SDK's Image is a separate build resource, not bridged
	"docker_registry_image": "RegistryImage",
	"docker_network":        "Network",
	"docker_volume":         "Volume",
	"docker_config":         "ServiceConfig",
	"docker_secret":         "Secret",
	"docker_service":        "Service",
	"docker_plugin":         "Plugin",
	"docker_tag":            "Tag",
	"docker_buildx_builder": "BuildxBuilder",
}

// DataSources: Terraform data source -> SDK function name (token docker:index/<fn>:<fn>).
var DataSources = map[string]string{
	"docker_registry_image":           "getRegistryImage",
	"docker_network":                  "getNetwork",
	"docker_plugin":                   "getPlugin",
	"docker_image":                    "getRemoteImage",
	"docker_logs":                     "getLogs",
	"docker_registry_image_manifests": "getRegistryImageManifests",
}

// Ignored: upstream entities the 5.2.0 SDK has no class or function for.
var Ignored = []string{
	"docker_compose",             // Plugin Framework resource (also left out by -tags no_compose)
	"docker_containers",          // Plugin Framework data source
	"docker_registry_image_tags", // Plugin Framework data source
}

// Token of a resource class.
func ResourceToken(class string) string {
	return Package + ":" + Module + "/" + lowerFirst(class) + ":" + class
}

// Token of a function.
func FunctionToken(fn string) string { return Package + ":" + Module + "/" + fn + ":" + fn }

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Provider returns the bridge's ProviderInfo. version is the version the plugin reports (the npm
// SDK's, so the engine loads it for that SDK); metadata is bridge-metadata.json as written by
// pulumi-tfgen-docker (empty while generating it).
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	ctx := context.Background()
	sdk := upstream.SDKv2(UpstreamVersion)
	for _, tf := range []string{"docker_image", "docker_registry_image"} {
		refuseIgnoredByEngine(Resources[tf], sdk.ResourcesMap[tf], upstream.EngineVersion)
		buildxOnProviderEngine(Resources[tf], sdk.ResourcesMap[tf], upstream.Endpoint)
	}
	p := pftfbridge.MuxShimWithPF(ctx, sdkv2.NewProvider(sdk), upstream.Framework(UpstreamVersion))

	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	info := tfbridge.ProviderInfo{
		P:                 p,
		Name:              "docker",
		DisplayName:       "Docker",
		Description:       "A Pulumi package for interacting with Docker in Pulumi programs (queuekit build of the Terraform provider)",
		Keywords:          []string{"docker", "category/infrastructure"},
		License:           "Apache-2.0",
		GitHubOrg:         "kreuzwerker",
		Repository:        "https://github.com/kreuzwerker/terraform-provider-docker",
		Version:           version,
		TFProviderVersion: UpstreamVersion,
		MetadataInfo:      tfbridge.NewProviderMetadata(metadata),
		IgnoreMappings:    Ignored,
		Resources:         map[string]*tfbridge.ResourceInfo{},
		DataSources:       map[string]*tfbridge.DataSourceInfo{},
		Config:            ConfigOverrides,
		JavaScript: &tfbridge.JavaScriptInfo{
			PackageName: "@pulumi/docker",
		},
	}
	for tf, class := range Resources {
		r := &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource(Package, Module, class)}
		if o, ok := ResourceFieldOverrides[tf]; ok {
			r.Fields = o
		}
		if tf == "docker_image" || tf == "docker_registry_image" {
			r.PreCheckCallback = refuseDroppedBuildInputs(class)
		}
		r.DeleteBeforeReplace = DeleteFirst[tf]
		r.UniqueNameFields = UniqueNames[tf]
		info.Resources[tf] = r
	}
	for tf, fn := range DataSources {
		d := &tfbridge.DataSourceInfo{Tok: tfbridge.MakeDataSource(Package, Module, fn)}
		if o, ok := DataSourceFieldOverrides[tf]; ok {
			d.Fields = o
		}
		info.DataSources[tf] = d
	}
	info.SetAutonaming(255, "-")
	return info
}

// ResourceFieldOverrides: per Terraform resource, Terraform attribute -> the SDK's spelling,
// where the bridge's own derivation differs from the SDK.
var ResourceFieldOverrides = map[string]map[string]*tfbridge.SchemaInfo{
	"docker_container": {
		"command":           {Name: "command"},          // bridge: commands
		"networks_advanced": {Name: "networksAdvanced"}, // bridge: networksAdvanceds
	},
}

// DeleteFirst: resources replaced by deleting the old one first, whatever their name does. A container keeps its
// published host ports across a replacement, so the new one could not bind them while the old one runs.
var DeleteFirst = map[string]bool{
	"docker_container": true,
}

// UniqueNames: resources whose given name tells the bridge how to replace them. A given name is otherwise taken to
// collide (delete first); a Swarm secret or config named by its content gets a new name with every change, so the
// new one is created first, the service moves to it, and only then the old one (in use until then) is deleted.
var UniqueNames = map[string][]string{
	"docker_secret": {"name"},
	"docker_config": {"name"},
}

// ConfigOverrides: provider configuration, Terraform name -> the SDK's spelling.
var ConfigOverrides = map[string]*tfbridge.SchemaInfo{
	"registry_auth": {Name: "registryAuth"}, // bridge: registryAuths
}

// DataSourceFieldOverrides: the same for functions.
var DataSourceFieldOverrides = map[string]map[string]*tfbridge.SchemaInfo{}
