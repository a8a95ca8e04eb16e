package mapping

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// With build.useLegacyBuilder, upstream's legacy build (resource_docker_image_funcs.go) never reads some build
// inputs, and the engine's BuildKit — which that build always asks for on API >= 1.39 — ignores others. Sent
// anyway they would be dropped without a word; refusedLegacy names each with the reason and the fix, and
// refuseDroppedBuildInputs turns them into a Check error (issue 11: every SDK input applied or refused).
var refusedLegacy = map[string]string{
	"label":              "the legacy build reads only build.labels; set build.labels instead",
	"additionalContexts": "buildx only; the legacy build never reads it",
	"cacheTos":           "buildx only; the legacy build never reads it",
	"builder":            "buildx only (a buildx builder's name); the legacy build never reads it",
	"buildLogFile":       "buildx only; the legacy build never writes it",
	"provenance":         "buildx only (an attestation); the legacy build never reads it",
	"sbom":               "buildx only (an attestation); the legacy build never reads it",
	"sessionId":          "the legacy build replaces it with its own BuildKit session's ID",
	"version":            "the legacy build always asks the engine for BuildKit (version 2) on API >= 1.39",
	"memory":             limitsIgnored,
	"memorySwap":         limitsIgnored,
	"cpuShares":          limitsIgnored,
	"cpuQuota":           limitsIgnored,
	"cpuPeriod":          limitsIgnored,
	"cpuSetCpus":         limitsIgnored,
	"cpuSetMems":         limitsIgnored,
	"cgroupParent":       "the engine's BuildKit ignores it (its build steps run in its own cgroups)",
	"authConfigs":        "the engine's BuildKit takes registry credentials only from the client's session, and the legacy build gives it none (a FROM in a private registry gets 401 with them)",
	"remove":             removeNotHonoured,
}

// limitsIgnored: the reason for each of a legacy build's resource limits.
const limitsIgnored = "the engine's BuildKit ignores build resource limits; limit the engine (or the host) instead"

// removeNotHonoured: remove: false asks to keep intermediate containers, which neither build (both BuildKit) has.
const removeNotHonoured = "BuildKit keeps no intermediate containers, so false cannot be honoured; leave it unset (true)"

// refuseDroppedBuildInputs is the PreCheckCallback of RemoteImage and RegistryImage (class names the resource): it
// refuses refusedLegacy's inputs with build.useLegacyBuilder and refusedBuildx's (buildx.go) without it.
func refuseDroppedBuildInputs(class string) func(context.Context, resource.PropertyMap, resource.PropertyMap) (resource.PropertyMap, error) {
	return func(_ context.Context, news, _ resource.PropertyMap) (resource.PropertyMap, error) {
		build, ok := known(news["build"])
		if !ok || !build.IsObject() {
			return news, nil
		}
		b := build.ObjectValue()
		refused, path := refusedBuildx, "by the buildx build (build.useLegacyBuilder unset)"
		useLegacy := b["useLegacyBuilder"]
		if useLegacy.ContainsUnknowns() {
			return news, nil // unknown until apply: which build runs is not decided yet
		}
		if legacy, ok := known(useLegacy); ok && legacy.IsBool() && legacy.BoolValue() {
			refused, path = refusedLegacy, "with build.useLegacyBuilder"
		}
		var problems []string
		for key, why := range refused {
			raw := b[resource.PropertyKey(key)]
			v, ok := known(raw)
			if !ok || !setByUser(key, v) {
				continue
			}
			shown := show(v)
			if raw.ContainsSecrets() {
				shown = "[secret]"
			}
			problems = append(problems, fmt.Sprintf("%s.build.%s = %s is not applied %s: %s", class, key, shown, path, why))
		}
		if len(problems) == 0 {
			return news, nil
		}
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
}

// known unwraps secrets and known outputs; false for unknown (preview) or null values.
func known(v resource.PropertyValue) (resource.PropertyValue, bool) {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			o := v.OutputValue()
			if !o.Known {
				return v, false
			}
			v = o.Element
		case v.IsComputed(), v.IsNull():
			return v, false
		default:
			return v, true
		}
	}
}

// setByUser: a value that asks for something (remove: only false; isolation: not "default"; others: non-empty).
func setByUser(key string, v resource.PropertyValue) bool {
	switch {
	case key == "remove":
		return v.IsBool() && !v.BoolValue()
	case key == "isolation":
		return v.IsString() && v.StringValue() != "" && v.StringValue() != "default"
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue() != 0
	case v.IsString():
		return v.StringValue() != ""
	case v.IsArray():
		return len(v.ArrayValue()) > 0
	case v.IsObject():
		return len(v.ObjectValue()) > 0
	}
	return true
}

// show prints a value for an error message (the caller hides secrets).
func show(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return fmt.Sprintf("%q", v.StringValue())
	case v.IsBool():
		return fmt.Sprintf("%t", v.BoolValue())
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64)
	case v.IsArray():
		return fmt.Sprintf("[%d values]", len(v.ArrayValue()))
	case v.IsObject():
		keys := make([]string, 0, len(v.ObjectValue()))
		for k := range v.ObjectValue() {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		return "{" + strings.Join(keys, ", ") + "}"
	}
	return v.TypeString()
}
