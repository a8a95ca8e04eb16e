package mapping

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
)

// The tokens the @pulumi/docker 5.2.0 SDK registers for the bridged part (its Image class is a
// build resource of its own and is not bridged).
var sdkResources = []string{
	"docker:index/buildxBuilder:BuildxBuilder", "docker:index/container:Container",
	"docker:index/network:Network", "docker:index/plugin:Plugin",
	"docker:index/registryImage:RegistryImage", "docker:index/remoteImage:RemoteImage",
	"docker:index/secret:Secret", "docker:index/service:Service",
	"docker:index/serviceConfig:ServiceConfig", "docker:index/tag:Tag", "docker:index/volume:Volume",
}

var sdkFunctions = []string{
	"docker:index/getLogs:getLogs", "docker:index/getNetwork:getNetwork", "docker:index/getPlugin:getPlugin",
	"docker:index/getRegistryImage:getRegistryImage",
	"docker:index/getRegistryImageManifests:getRegistryImageManifests",
	"docker:index/getRemoteImage:getRemoteImage",
}

func TestTokens(t *testing.T) {
	var got []string
	for _, class := range Resources {
		got = append(got, ResourceToken(class))
	}
	sort.Strings(got)
	if len(got) != len(sdkResources) {
		t.Fatalf("resources: got %v, want %v", got, sdkResources)
	}
	for i := range got {
		if got[i] != sdkResources[i] {
			t.Errorf("resource token %d: got %s, want %s", i, got[i], sdkResources[i])
		}
	}
	for _, fn := range DataSources {
		tok := FunctionToken(fn)
		if !contains(sdkFunctions, tok) {
			t.Errorf("function %s is not one of the SDK's", tok)
		}
	}
}

// TestSchema generates the Pulumi schema in memory from the Terraform provider and checks it
// against what the SDK sends: every token, and the property names the bridge would spell
// differently without our overrides.
func TestSchema(t *testing.T) {
	// Outside the repo: tfgen reads the nearest Pulumi.yaml, whose analyzer plugin path is relative to the repo root.
	t.Chdir(t.TempDir())
	spec, err := tfgen.GenerateSchema(Provider("5.2.0", nil), cmdutil.Diag())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range sdkResources {
		if _, ok := spec.Resources[tok]; !ok {
			t.Errorf("schema lacks resource %s", tok)
		}
	}
	for _, tok := range sdkFunctions {
		if _, ok := spec.Functions[tok]; !ok {
			t.Errorf("schema lacks function %s", tok)
		}
	}
	c := spec.Resources["docker:index/container:Container"]
	for _, p := range []string{"command", "networksAdvanced", "envs", "entrypoints", "memory", "memorySwap",
		"healthcheck", "uploads", "volumes", "ports", "restart", "destroyGraceSeconds", "mustRun"} {
		if _, ok := c.InputProperties[p]; !ok {
			t.Errorf("Container has no input %q", p)
		}
	}
	for _, p := range []string{"commands", "networksAdvanceds"} {
		if _, ok := c.InputProperties[p]; ok {
			t.Errorf("Container has input %q, which the SDK never sends", p)
		}
	}
	if hc := c.InputProperties["healthcheck"]; hc.Ref == "" {
		t.Errorf("Container.healthcheck should be one object (MaxItems 1), got %+v", hc.TypeSpec)
	}
	svc := spec.Resources["docker:index/service:Service"]
	if _, ok := svc.InputProperties["taskSpec"]; !ok {
		t.Errorf("Service has no input taskSpec")
	}
	for _, p := range []string{"registryAuth", "host", "sshOpts", "context", "disableDockerDaemonCheck"} {
		if _, ok := spec.Config.Variables[p]; !ok {
			t.Errorf("config has no variable %q", p)
		}
	}
	if _, ok := spec.Provider.InputProperties["registryAuths"]; ok {
		t.Errorf("provider input registryAuths should be spelled registryAuth")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestRefuseDroppedBuildInputs(t *testing.T) {
	check := refuseDroppedBuildInputs("RemoteImage")
	build := func(m map[string]interface{}) resource.PropertyMap {
		return resource.NewPropertyMapFromMap(map[string]interface{}{"name": "x", "build": m})
	}
	// Applied inputs, buildx-only inputs without useLegacyBuilder, remove: true: accepted as they are.
	for _, ok := range []resource.PropertyMap{
		build(map[string]interface{}{"context": ".", "useLegacyBuilder": true, "labels": map[string]interface{}{"a": "b"},
			"remove": true, "shmSize": 1 << 20, "target": "one"}),
		build(map[string]interface{}{"context": ".", "label": map[string]interface{}{"a": "b"}, "isolation": "default"}),
		resource.NewPropertyMapFromMap(map[string]interface{}{"name": "x"}),
	} {
		if _, err := check(context.Background(), ok, nil); err != nil {
			t.Errorf("refused %v: %v", ok, err)
		}
	}
	_, err := check(context.Background(), build(map[string]interface{}{
		"context": ".", "useLegacyBuilder": true, "label": map[string]interface{}{"a": "b"}, "memory": 1 << 26,
		"remove": false, "sessionId": "s", "cacheTos": []interface{}{"type=inline"},
	}), nil)
	if err == nil {
		t.Fatal("dropped inputs accepted")
	}
	for _, want := range []string{"RemoteImage.build.label = {a}", "RemoteImage.build.memory = 67108864",
		"RemoteImage.build.remove = false", "RemoteImage.build.sessionId = \"s\"", "RemoteImage.build.cacheTos = [1 values]",
		"set build.labels instead"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// Without useLegacyBuilder, the buildx build's dropped and mangled inputs.
	_, err = check(context.Background(), build(map[string]interface{}{
		"context": ".", "labels": map[string]interface{}{"a": "b"}, "memory": 1 << 26, "isolation": "hyperv",
	}), nil)
	if err == nil {
		t.Fatal("inputs the buildx build drops accepted")
	}
	for _, want := range []string{"RemoteImage.build.labels = {a} is not applied by the buildx build",
		"set build.label instead", "build arg named memory", "RemoteImage.build.isolation = \"hyperv\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	unknown := build(map[string]interface{}{"context": ".", "memory": 1 << 26})
	unknown["build"].ObjectValue()["useLegacyBuilder"] = resource.MakeComputed(resource.NewBoolProperty(false))
	if _, err := check(context.Background(), unknown, nil); err != nil {
		t.Errorf("an unknown useLegacyBuilder must wait for its value: %v", err)
	}
	secret := build(map[string]interface{}{"context": ".", "useLegacyBuilder": true})
	secret["build"].ObjectValue()["buildLogFile"] = resource.MakeSecret(resource.NewStringProperty("/tmp/hidden"))
	if _, err := check(context.Background(), secret, nil); err == nil || strings.Contains(err.Error(), "hidden") {
		t.Errorf("a secret value must be refused without showing it: %v", err)
	}
}

// TestReplaceOrder: a container is always deleted first (its host ports); a Swarm secret or config named by its
// content is created first when its name changes (the service still uses the old one until it moves).
func TestReplaceOrder(t *testing.T) {
	info := Provider("5.2.0", nil)
	if !info.Resources["docker_container"].DeleteBeforeReplace {
		t.Error("docker_container: want DeleteBeforeReplace")
	}
	for _, tf := range []string{"docker_secret", "docker_config"} {
		r := info.Resources[tf]
		if r.DeleteBeforeReplace || len(r.UniqueNameFields) != 1 || r.UniqueNameFields[0] != "name" {
			t.Errorf("%s: want create-first when its name changes, got DeleteBeforeReplace %v, UniqueNameFields %v",
				tf, r.DeleteBeforeReplace, r.UniqueNameFields)
		}
	}
}
