package mapping

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/queuekit/upstream"
)

// TestRefuseIgnoredByEngine: shm size and ulimits are refused by name on an engine before API 1.42 and passed on to
// upstream's create on a newer one; a build without them never asks the engine.
func TestRefuseIgnoredByEngine(t *testing.T) {
	for tf, class := range map[string]string{"docker_image": "RemoteImage", "docker_registry_image": "RegistryImage"} {
		orig := upstream.SDKv2("test").ResourcesMap[tf]
		created, asked := 0, 0
		r := &schema.Resource{Schema: orig.Schema, CreateContext: func(context.Context, *schema.ResourceData, interface{}) diag.Diagnostics {
			created++
			return nil
		}}
		api := "1.41"
		refuseIgnoredByEngine(class, r, func(context.Context, *schema.ResourceData, interface{}) (string, string, error) {
			asked++
			return "20.10.24", api, nil
		})
		data := func(build map[string]interface{}) *schema.ResourceData {
			return schema.TestResourceDataRaw(t, r.Schema, map[string]interface{}{"name": "x", "build": []interface{}{build}})
		}
		plain := data(map[string]interface{}{"context": "."})
		if d := r.CreateContext(context.Background(), plain, nil); d.HasError() || created != 1 || asked != 0 {
			t.Fatalf("%s: a build without them: %v (created %d, asked %d)", class, d, created, asked)
		}
		limited := data(map[string]interface{}{"context": ".", "shm_size": 96 << 20,
			"ulimit": []interface{}{map[string]interface{}{"name": "nofile", "soft": 1111, "hard": 2222}}})
		d := r.CreateContext(context.Background(), limited, nil)
		if !d.HasError() || created != 1 {
			t.Fatalf("%s: refused nothing on API 1.41 (created %d)", class, created)
		}
		for _, want := range []string{class + ".build.shmSize = 100663296", class + ".build.ulimits = [nofile=1111:2222]",
			"Docker 20.10.24, API 1.41", "remove it"} {
			if !strings.Contains(d[0].Summary, want) {
				t.Errorf("%s: error lacks %q: %s", class, want, d[0].Summary)
			}
		}
		// cgroupParent: asked of the engine for a buildx build only (the legacy build's is refused at Check).
		parent := data(map[string]interface{}{"context": ".", "cgroup_parent": "qk"})
		if d := r.CreateContext(context.Background(), parent, nil); !d.HasError() ||
			!strings.Contains(d[0].Summary, class+`.build.cgroupParent = "qk" is not applied by this engine`) {
			t.Errorf("%s: a buildx build's cgroupParent on API 1.41: %v", class, d)
		}
		legacyParent := data(map[string]interface{}{"context": ".", "cgroup_parent": "qk", "use_legacy_builder": true})
		if d := r.CreateContext(context.Background(), legacyParent, nil); d.HasError() || created != 2 {
			t.Errorf("%s: a legacy build's cgroupParent is Check's to refuse: %v", class, d)
		}
		api = "1.43"
		if d := r.CreateContext(context.Background(), limited, nil); d.HasError() || created != 3 {
			t.Errorf("%s: refused on API 1.43: %v", class, d)
		}
	}
	for _, c := range []struct {
		api  string
		want bool
	}{{"1.41", true}, {"1.42", false}, {"1.9", true}, {"2.0", false}, {"", true}} {
		if got := apiBefore(c.api, buildLimitsAPI); got != c.want {
			t.Errorf("apiBefore(%q) = %v", c.api, got)
		}
	}
}
