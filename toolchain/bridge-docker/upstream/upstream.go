// Package upstream hands out the Terraform docker provider (kreuzwerker) as it is published: the
// SDKv2 part and the Plugin Framework part that its own main muxes together.
//
// It lives below github.com/terraform-providers/terraform-provider-docker because that is the
// only place allowed to import the provider's internal/provider package.
package upstream

import (
	pfprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// SDKv2 returns the SDKv2 provider (containers, images, networks, volumes, services, ...).
func SDKv2(version string) *schema.Provider { return provider.New(version)() }

// Framework returns the Plugin Framework provider (docker_compose, the docker_containers data
// source, actions). Build with -tags no_compose to leave docker_compose and its large
// dependency tree out.
func Framework(version string) pfprovider.Provider { return provider.NewFrameworkProvider(version)() }
