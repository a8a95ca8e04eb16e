package mapping

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

// Without build.useLegacyBuilder upstream builds through the buildx library (docker_buildx_build.go), whose
// option mapping never reads some inputs and turns others into something else (the resource limits become build
// args named "memory", "cpushares", ...). refusedBuildx names each with the reason and the fix; the Check hook
// refuses them as it refuses refusedLegacy's with useLegacyBuilder.
var refusedBuildx = map[string]string{
	"labels":         "the buildx build reads only build.label; set build.label instead",
	"authConfigs":    "the buildx build takes registry credentials from the docker CLI's config (DOCKER_CONFIG), never from build.authConfigs",
	"buildId":        "the buildx build never reads it",
	"remoteContext":  "the buildx build never reads it; set build.useLegacyBuilder: true to build from a remote context",
	"securityOpts":   "the buildx build never reads it",
	"sessionId":      "the buildx build opens its own session",
	"version":        "the buildx build always uses BuildKit",
	"squash":         "the buildx build cannot squash",
	"suppressOutput": "the buildx build never reads it (its output goes to build.buildLogFile whole)",
	"memory":         asBuildArg("memory"),
	"memorySwap":     asBuildArg("memoryswap"),
	"cpuShares":      asBuildArg("cpushares"),
	"cpuQuota":       asBuildArg("cpuquota"),
	"cpuPeriod":      asBuildArg("cpuperiod"),
	"cpuSetCpus":     asBuildArg("cpusetcpus"),
	"cpuSetMems":     asBuildArg("cpusetmems"),
	"isolation":      "the buildx build sends it as the network mode and then overwrites it with build.networkMode",
	"remove":         removeNotHonoured,
}

// asBuildArg is the reason for a resource limit that the buildx build turns into the build arg named arg.
func asBuildArg(arg string) string {
	return "the buildx build passes it as a build arg named " + arg + ", not as a limit; limit the engine (or the host) instead"
}

// buildxOnProviderEngine wraps a build resource's create. Upstream's buildx build runs through a docker CLI whose
// endpoint comes from the environment (DOCKER_HOST, else /var/run/docker.sock), not from the provider's host, so
// it built on another engine and the resource then looked for the image on its own. Before a buildx build the
// plugin points that environment at the provider's engine: one plugin process serves one provider configuration.
func buildxOnProviderEngine(class string, r *schema.Resource, endpoint EndpointFunc) {
	create := r.CreateContext
	r.CreateContext = func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		if !buildsWithBuildx(d.Get("build")) {
			return create(ctx, d, meta)
		}
		host, certPath, material, sshOpts, ok := endpoint(meta)
		if !ok {
			return create(ctx, d, meta)
		}
		if material {
			return diag.Errorf("%s.build: the buildx build reads the engine's TLS files only from a directory; the "+
				"provider's caMaterial/certMaterial/keyMaterial cannot reach it. Set the provider's certPath instead, "+
				"or build.useLegacyBuilder: true", class)
		}
		if len(sshOpts) > 0 {
			return diag.Errorf("%s.build: the buildx build connects over ssh without the provider's sshOpts (%s); "+
				"put them in ~/.ssh/config, or set build.useLegacyBuilder: true", class, strings.Join(sshOpts, " "))
		}
		if err := pointCLIAt(host, certPath); err != nil {
			return diag.Errorf("%s.build: %v", class, err)
		}
		return create(ctx, d, meta)
	}
}

// EndpointFunc answers the provider's engine endpoint (upstream.Endpoint).
type EndpointFunc func(meta interface{}) (host, certPath string, material bool, sshOpts []string, ok bool)

// pointCLIAt sets the docker CLI's environment to the engine at host (TLS with the cert directory when given). Every
// call in a plugin process sets the same values, so concurrent builds need no lock.
func pointCLIAt(host, certPath string) error {
	tlsVerify := ""
	if certPath != "" {
		tlsVerify = "1"
	}
	// DOCKER_CONTEXT loses to DOCKER_HOST in the CLI's own resolution; cleared so nothing else competes.
	set := map[string]string{"DOCKER_HOST": host, "DOCKER_CERT_PATH": certPath, "DOCKER_TLS_VERIFY": tlsVerify,
		"DOCKER_CONTEXT": ""}
	for k, v := range set {
		var err error
		if v == "" {
			err = os.Unsetenv(k)
		} else {
			err = os.Setenv(k, v)
		}
		if err != nil {
			return fmt.Errorf("cannot set %s for the buildx build: %w", k, err)
		}
	}
	return nil
}

// buildsWithBuildx: a build block (list or set of one) without use_legacy_builder takes upstream's buildx path.
func buildsWithBuildx(build interface{}) bool {
	for _, m := range blocks(build) {
		if !legacyBuild(m) {
			return true
		}
	}
	return false
}

// legacyBuild: the block asks for upstream's legacy build.
func legacyBuild(m map[string]interface{}) bool {
	legacy, _ := m["use_legacy_builder"].(bool)
	return legacy
}

// blocks lists a nested block's elements whether the schema declares it as a list or a set.
func blocks(v interface{}) []map[string]interface{} {
	var raw []interface{}
	switch b := v.(type) {
	case *schema.Set:
		raw = b.List()
	case []interface{}:
		raw = b
	}
	got := make([]map[string]interface{}, 0, len(raw))
	for _, r := range raw {
		if m, ok := r.(map[string]interface{}); ok {
			got = append(got, m)
		}
	}
	return got
}
