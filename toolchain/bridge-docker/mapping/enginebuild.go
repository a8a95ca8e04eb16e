package mapping

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

// buildLimitsAPI: Docker 23.0's API. Before it the engine does not hand a build's shm size and ulimits to its
// BuildKit (moby's builder-next reads neither in 20.10), and its BuildKit ignores the cgroup parent a buildx build
// sends (measured on 20.10: the RUN step's /proc/self/cgroup is /docker/buildkit/<id>); upstream sends them anyway.
const buildLimitsAPI = "1.42"

// EngineVersionFunc answers the engine's version and API version for a resource's create (upstream.EngineVersion).
type EngineVersionFunc func(ctx context.Context, d *schema.ResourceData, meta interface{}) (version, api string, err error)

// refuseIgnoredByEngine wraps a build resource's create: a build that asks for a shm size, ulimits or a cgroup parent
// on an engine that would ignore them fails, naming each input, before anything is built (issue 11).
func refuseIgnoredByEngine(class string, r *schema.Resource, engine EngineVersionFunc) {
	create := r.CreateContext
	r.CreateContext = func(ctx context.Context, d *schema.ResourceData, meta interface{}) diag.Diagnostics {
		asked := askedOfEngine(d.Get("build"))
		if len(asked) == 0 {
			return create(ctx, d, meta)
		}
		version, api, err := engine(ctx, d, meta)
		if err != nil {
			return diag.Errorf("%s.build: cannot ask the engine for its version (needed for %s): %v",
				class, strings.Join(asked, ", "), err)
		}
		if !apiBefore(api, buildLimitsAPI) {
			return create(ctx, d, meta)
		}
		problems := make([]string, 0, len(asked))
		for _, a := range asked {
			problems = append(problems, fmt.Sprintf("%s.build.%s is not applied by this engine (Docker %s, API %s): "+
				"its BuildKit ignores a build's shm size, ulimits and cgroup parent before Docker 23.0 (API %s); "+
				"remove it, or build on a newer engine", class, a, version, api, buildLimitsAPI))
		}
		return diag.Errorf("%s", strings.Join(problems, "; "))
	}
}

// askedOfEngine lists "shmSize = N", "ulimits = [...]" and, for a buildx build, "cgroupParent = ..." (which the
// legacy build never sends: refused at Check) for a build block (list or set of one) that sets them.
func askedOfEngine(build interface{}) []string {
	var asked []string
	for _, m := range blocks(build) {
		if shm, ok := m["shm_size"].(int); ok && shm > 0 {
			asked = append(asked, fmt.Sprintf("shmSize = %d", shm))
		}
		if limits, ok := m["ulimit"].([]interface{}); ok && len(limits) > 0 {
			shown := make([]string, 0, len(limits))
			for _, l := range limits {
				if u, ok := l.(map[string]interface{}); ok {
					shown = append(shown, fmt.Sprintf("%v=%v:%v", u["name"], u["soft"], u["hard"]))
				}
			}
			sort.Strings(shown)
			asked = append(asked, fmt.Sprintf("ulimits = [%s]", strings.Join(shown, ", ")))
		}
		if parent, ok := m["cgroup_parent"].(string); ok && parent != "" && !legacyBuild(m) {
			asked = append(asked, fmt.Sprintf("cgroupParent = %q", parent))
		}
	}
	return asked
}

// apiBefore compares Docker API versions ("1.41" < "1.42"); an unreadable version counts as old.
func apiBefore(api, than string) bool {
	parse := func(s string) (int, int, bool) {
		major, minor, ok := strings.Cut(s, ".")
		a, errA := strconv.Atoi(major)
		b, errB := strconv.Atoi(minor)
		return a, b, ok && errA == nil && errB == nil
	}
	a1, b1, ok1 := parse(api)
	a2, b2, _ := parse(than)
	if !ok1 {
		return true
	}
	return a1 < a2 || (a1 == a2 && b1 < b2)
}
