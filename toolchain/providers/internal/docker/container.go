package docker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

type container struct{ e *engine }

// containerInPlace are the inputs a change of which does not recreate the container:
// resource limits and the restart policy go through `docker update`, the rest are
// provider-side settings.
var containerInPlace = map[string]bool{
	"memory": true, "memorySwap": true, "memoryReservation": true,
	"cpuShares": true, "cpuSet": true, "cpus": true, "cpuPeriod": true, "cpuQuota": true,
	"restart": true, "maxRetryCount": true,
	"destroyGraceSeconds": true, "removeVolumes": true, "containerReadRefreshTimeoutMilliseconds": true,
	"mustRun": true, "start": true, "wait": true, "waitTimeout": true,
}

// containerLimitKeys cannot be removed with `docker update` (0 means "unchanged"):
// removing one of them recreates the container.
var containerLimitKeys = map[string]bool{
	"memory": true, "memorySwap": true, "memoryReservation": true, "cpus": true, "cpuQuota": true, "cpuPeriod": true,
	"cpuSet": true, "cpuShares": true,
}

// containerUpdateKeys are applied with POST /containers/{id}/update.
var containerUpdateKeys = []string{"memory", "memorySwap", "memoryReservation", "cpuShares", "cpuSet",
	"cpus", "cpuPeriod", "cpuQuota", "restart", "maxRetryCount"}

func failure(prop, format string, args ...any) rpc.CheckFailure {
	return rpc.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)}
}

func validateContainer(news resource.PropertyMap) []rpc.CheckFailure {
	p := rpc.View(news)
	var fs []rpc.CheckFailure
	if !p.Has("image") {
		fs = append(fs, failure("image", "image is required"))
	}
	if s, ok := p.String("restart"); ok && !restartPolicies[s] {
		fs = append(fs, failure("restart", "restart must be one of no, on-failure, always, unless-stopped; got %q", s))
	}
	for _, k := range []string{"memory", "memoryReservation", "shmSize", "cpuShares", "destroyGraceSeconds", "maxRetryCount", "waitTimeout"} {
		if n, ok := p.Int(k); ok && n < 0 {
			fs = append(fs, failure(k, "%s must be >= 0, got %d", k, n))
		}
	}
	mem, hasMem := p.Int("memory")
	if sw, ok := p.Int("memorySwap"); ok {
		switch {
		case sw < -1:
			fs = append(fs, failure("memorySwap", "memorySwap must be -1 (unlimited), 0 (Docker default) or a size in MB; got %d", sw))
		case sw > 0 && hasMem && mem > 0 && sw < mem:
			fs = append(fs, failure("memorySwap", "memorySwap (%d MB) is memory + swap and must be >= memory (%d MB)", sw, mem))
		case sw > 0 && (!hasMem || mem == 0) && !p.Unknown("memory"):
			fs = append(fs, failure("memorySwap", "memorySwap needs memory to be set"))
		}
	}
	if n, ok := p.Int("memory"); ok && n > 0 && n < 6 {
		fs = append(fs, failure("memory", "memory is in MB and Docker's minimum is 6; got %d", n))
	}
	if s, ok := p.String("cpus"); ok {
		if f, err := strconv.ParseFloat(s, 64); err != nil || f < 0 {
			fs = append(fs, failure("cpus", "cpus must be a number of CPUs like \"1.5\"; got %q", s))
		}
	}
	if hc, ok := p.Object("healthcheck"); ok {
		for _, k := range []string{"interval", "timeout", "startPeriod", "startInterval"} {
			if _, err := parseDur(hc, k); err != nil {
				fs = append(fs, failure("healthcheck."+k, "healthcheck.%s: %v", k, err))
			}
		}
	}
	if p.Has("gpus") || p.Has("deviceRequests") {
		fs = append(fs, failure("gpus", "gpus/deviceRequests are not supported by queuekit's docker provider"))
	}
	if !p.AnyUnknown("uploads") {
		for i, u := range p.Objects("uploads") {
			n := 0
			for _, k := range []string{"content", "contentBase64", "source"} {
				if u.Has(k) {
					n++
				}
			}
			if n != 1 {
				fs = append(fs, failure(fmt.Sprintf("uploads[%d]", i),
					"uploads[%d] (%s): exactly one of content, contentBase64 or source must be set", i, u.StringOr("file", "?")))
			}
		}
	}
	if !p.AnyUnknown("ports") {
		for i, port := range p.Objects("ports") {
			if _, ok := port.Int("internal"); !ok {
				fs = append(fs, failure(fmt.Sprintf("ports[%d].internal", i), "ports[%d]: internal is required", i))
			}
		}
	}
	return fs
}

func (c *container) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	news := autoName(r)
	return news, validateContainer(news), nil
}

// diffContainer decides update-in-place versus replacement.
func diffContainer(olds, news resource.PropertyMap) rpc.DiffResult {
	d := rpc.DiffInputs(olds, news, func(k string) bool {
		if !containerInPlace[k] {
			return true
		}
		if containerLimitKeys[k] {
			// A limit that is removed cannot be lifted with `docker update`.
			nv, ok := news[resource.PropertyKey(k)]
			return !ok || nv.IsNull()
		}
		return false
	})
	// An explicit name collides with the old container: delete it first.
	d.DeleteBeforeReplace = !wasDefaulted(news, "name")
	return d
}

func (c *container) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	return diffContainer(priorInputs(r), r.News), nil
}

// ---- inspect ----

type containerInspect struct {
	ID       string `json:"Id"`
	Name     string
	Platform string
	State    struct {
		Status     string
		Running    bool
		Restarting bool
		OOMKilled  bool
		ExitCode   int
		Error      string
		Health     *struct {
			Status string
			Log    []struct {
				ExitCode int
				Output   string
			}
		}
	}
	Config struct {
		Hostname    string
		User        string
		WorkingDir  string
		Tty         bool
		Cmd         []string
		Entrypoint  []string
		Env         []string
		StopSignal  string
		StopTimeout *int64
		Labels      map[string]string
		Healthcheck *healthConfig
	}
	HostConfig struct {
		Resources
		RestartPolicy restartPolicy
		Init          *bool
		IpcMode       string
		Runtime       string
		SecurityOpt   []string
		ShmSize       int64
		LogConfig     logConfig
		NetworkMode   string
	}
	NetworkSettings struct {
		Bridge   string
		Networks map[string]struct {
			IPAddress           string
			IPPrefixLen         int
			Gateway             string
			GlobalIPv6Address   string
			GlobalIPv6PrefixLen int
			IPv6Gateway         string
			MacAddress          string
		}
	}
}

func (c *Client) inspectContainer(ctx context.Context, id string) (*containerInspect, error) {
	var ci containerInspect
	if err := c.Do(ctx, http.MethodGet, "/containers/"+url.PathEscape(id)+"/json", nil, nil, &ci); err != nil {
		return nil, err
	}
	return &ci, nil
}

func durString(ns int64) string { return time.Duration(ns).String() }

// containerOutputs = the inputs (secrets kept) + what Docker computed.
func containerOutputs(inputs resource.PropertyMap, ci *containerInspect) resource.PropertyMap {
	outs := rpc.CopyInputs(inputs)
	if ci == nil {
		for _, k := range []string{"networkDatas", "exitCode", "bridge", "containerLogs", "hostname", "platform",
			"command", "entrypoints", "envs", "healthcheck", "init", "ipcMode", "logDriver", "logOpts", "runtime",
			"securityOpts", "shmSize", "stopSignal", "stopTimeout", "labels"} {
			setIfAbsent(outs, k, rpc.Unknown())
		}
		return outs
	}
	outs["name"] = resource.NewStringProperty(strings.TrimPrefix(ci.Name, "/"))
	outs["exitCode"] = resource.NewNumberProperty(float64(ci.State.ExitCode))
	outs["bridge"] = resource.NewStringProperty(ci.NetworkSettings.Bridge)
	var nets []resource.PropertyValue
	for _, name := range rpc.SortedKeys(ci.NetworkSettings.Networks) {
		n := ci.NetworkSettings.Networks[name]
		nets = append(nets, resource.NewObjectProperty(resource.PropertyMap{
			"networkName":            resource.NewStringProperty(name),
			"ipAddress":              resource.NewStringProperty(n.IPAddress),
			"ipPrefixLength":         resource.NewNumberProperty(float64(n.IPPrefixLen)),
			"gateway":                resource.NewStringProperty(n.Gateway),
			"globalIpv6Address":      resource.NewStringProperty(n.GlobalIPv6Address),
			"globalIpv6PrefixLength": resource.NewNumberProperty(float64(n.GlobalIPv6PrefixLen)),
			"ipv6Gateway":            resource.NewStringProperty(n.IPv6Gateway),
			"macAddress":             resource.NewStringProperty(n.MacAddress),
		}))
	}
	outs["networkDatas"] = resource.NewArrayProperty(nets)
	setIfAbsent(outs, "hostname", resource.NewStringProperty(ci.Config.Hostname))
	setIfAbsent(outs, "platform", resource.NewStringProperty(ci.Platform))
	setIfAbsent(outs, "command", rpc.StringList(ci.Config.Cmd))
	setIfAbsent(outs, "entrypoints", rpc.StringList(ci.Config.Entrypoint))
	setIfAbsent(outs, "envs", rpc.StringList(ci.Config.Env))
	setIfAbsent(outs, "init", resource.NewBoolProperty(ci.HostConfig.Init != nil && *ci.HostConfig.Init))
	setIfAbsent(outs, "ipcMode", resource.NewStringProperty(ci.HostConfig.IpcMode))
	setIfAbsent(outs, "logDriver", resource.NewStringProperty(ci.HostConfig.LogConfig.Type))
	setIfAbsent(outs, "logOpts", stringMap(ci.HostConfig.LogConfig.Config))
	setIfAbsent(outs, "runtime", resource.NewStringProperty(ci.HostConfig.Runtime))
	setIfAbsent(outs, "securityOpts", rpc.StringList(ci.HostConfig.SecurityOpt))
	setIfAbsent(outs, "shmSize", resource.NewNumberProperty(float64(ci.HostConfig.ShmSize/MiB)))
	setIfAbsent(outs, "stopSignal", resource.NewStringProperty(ci.Config.StopSignal))
	if ci.Config.StopTimeout != nil {
		setIfAbsent(outs, "stopTimeout", resource.NewNumberProperty(float64(*ci.Config.StopTimeout)))
	} else {
		setIfAbsent(outs, "stopTimeout", resource.NewNumberProperty(0))
	}
	setIfAbsent(outs, "labels", labelList(ci.Config.Labels))
	if hc := ci.Config.Healthcheck; hc != nil {
		setIfAbsent(outs, "healthcheck", resource.NewObjectProperty(resource.PropertyMap{
			"tests":         rpc.StringList(hc.Test),
			"interval":      resource.NewStringProperty(durString(hc.Interval)),
			"timeout":       resource.NewStringProperty(durString(hc.Timeout)),
			"startPeriod":   resource.NewStringProperty(durString(hc.StartPeriod)),
			"startInterval": resource.NewStringProperty(durString(hc.StartInterval)),
			"retries":       resource.NewNumberProperty(float64(hc.Retries)),
		}))
	}
	setIfAbsent(outs, "containerLogs", resource.NewStringProperty(""))
	return outs
}

// ---- create ----

func (c *container) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", containerOutputs(r.News, nil), nil
	}
	p := rpc.View(r.News)
	spec, err := buildContainerSpec(p)
	if err != nil {
		return "", nil, err
	}
	cl, err := c.e.get()
	if err != nil {
		return "", nil, err
	}
	q := url.Values{}
	if spec.Name != "" {
		q.Set("name", spec.Name)
	}
	if spec.Platform != "" {
		q.Set("platform", spec.Platform)
	}
	var created struct {
		ID       string `json:"Id"`
		Warnings []string
	}
	r.Status(ctx, "creating container "+spec.Name)
	if err := cl.Do(ctx, http.MethodPost, "/containers/create", q, spec.Body, &created); err != nil {
		if IsNotFound(err) {
			return "", nil, fmt.Errorf("creating container %s: image %q is not present on the Docker engine at %s "+
				"(load or build it there, or declare a docker.RemoteImage): %v", spec.Name, spec.Body.Image, cl.Host(), err)
		}
		return "", nil, fmt.Errorf("creating container %s on %s: %w", spec.Name, cl.Host(), err)
	}
	for _, w := range created.Warnings {
		r.Log(ctx, rpc.Warning, "docker: "+w)
	}
	id := created.ID
	fail := func(step string, err error) (string, resource.PropertyMap, error) {
		msg := fmt.Sprintf("container %s (%s): %s: %v", spec.Name, shortID(id), step, err)
		if logs, lerr := cl.Logs(context.WithoutCancel(ctx), id, 20, spec.Body.Tty); lerr == nil && strings.TrimSpace(logs) != "" {
			msg += "\nlast container output:\n" + strings.TrimRight(logs, "\n")
		}
		// Remove the half-made container so that the next `pulumi up` starts clean.
		_ = cl.Do(context.WithoutCancel(ctx), http.MethodDelete, "/containers/"+id,
			url.Values{"force": {"1"}, "v": {"1"}}, nil, nil)
		return "", nil, errors.New(msg)
	}
	for _, n := range spec.Networks {
		body := map[string]any{"Container": id, "EndpointConfig": n.Endpoint}
		if err := cl.Do(ctx, http.MethodPost, "/networks/"+url.PathEscape(n.Name)+"/connect", nil, body, nil); err != nil {
			return fail("connecting network "+n.Name, err)
		}
	}
	if len(spec.Uploads) > 0 {
		tb, err := tarUploads(spec.Uploads)
		if err != nil {
			return fail("packing uploads", err)
		}
		if err := cl.PutArchive(ctx, id, "/", tb); err != nil {
			return fail("copying uploads", err)
		}
	}
	logs := ""
	if p.BoolOr("start", true) {
		r.Status(ctx, "starting container "+spec.Name)
		if err := cl.Do(ctx, http.MethodPost, "/containers/"+id+"/start", nil, nil, nil); err != nil {
			return fail("starting", err)
		}
		switch {
		case p.BoolOr("attach", false):
			var res struct{ StatusCode int }
			if err := cl.Do(ctx, http.MethodPost, "/containers/"+id+"/wait", nil, nil, &res); err != nil {
				return fail("waiting for exit", err)
			}
			if p.BoolOr("logs", false) {
				logs, _ = cl.Logs(ctx, id, 0, spec.Body.Tty)
			}
		case p.BoolOr("wait", false):
			timeout := time.Duration(p.IntOr("waitTimeout", 60)) * time.Second
			if err := waitHealthy(ctx, r, cl, id, timeout); err != nil {
				return fail("waiting until healthy", err)
			}
		case p.BoolOr("mustRun", true) && !p.BoolOr("rm", false):
			if err := checkStillRunning(ctx, cl, id); err != nil {
				return fail("after start", err)
			}
		}
	}
	ci, err := cl.inspectContainer(ctx, id)
	if err != nil {
		if p.BoolOr("rm", false) && IsNotFound(err) {
			outs := containerOutputs(r.News, &containerInspect{Name: spec.Name})
			outs["containerLogs"] = resource.NewStringProperty(logs)
			return id, outs, nil
		}
		return fail("inspecting", err)
	}
	outs := containerOutputs(r.News, ci)
	outs["containerLogs"] = resource.NewStringProperty(logs)
	return id, outs, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// checkStillRunning catches a container that exits right after start (bad command, missing file...).
func checkStillRunning(ctx context.Context, cl *Client, id string) error {
	for i := 0; i < 2; i++ {
		ci, err := cl.inspectContainer(ctx, id)
		if err != nil {
			return err
		}
		if !ci.State.Running && !ci.State.Restarting {
			return fmt.Errorf("exited right after start with code %d%s", ci.State.ExitCode, stateErr(ci))
		}
		if i == 0 {
			select {
			case <-time.After(700 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func stateErr(ci *containerInspect) string {
	s := ""
	if ci.State.OOMKilled {
		s += " (OOM-killed)"
	}
	if ci.State.Error != "" {
		s += ": " + ci.State.Error
	}
	return s
}

func waitHealthy(ctx context.Context, r *rpc.Req, cl *Client, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ci, err := cl.inspectContainer(ctx, id)
		if err != nil {
			return err
		}
		if ci.State.Health == nil {
			return errors.New("wait is true but the container has no healthcheck (set healthcheck or use an image with HEALTHCHECK)")
		}
		if !ci.State.Running && !ci.State.Restarting {
			return fmt.Errorf("container stopped with code %d%s", ci.State.ExitCode, stateErr(ci))
		}
		st := ci.State.Health.Status
		if st == "healthy" {
			return nil
		}
		if n := len(ci.State.Health.Log); n > 0 {
			l := ci.State.Health.Log[n-1]
			last = fmt.Sprintf("last healthcheck: exit %d: %s", l.ExitCode, strings.TrimSpace(l.Output))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %s (status %q); %s", timeout, st, last)
		}
		r.Status(ctx, "waiting for container to become healthy (status "+st+")")
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ---- read ----

func (c *container) Read(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	ci, found, err := inspectForRead(ctx, c.e, r.ID, (*Client).inspectContainer)
	if err != nil || !found {
		return "", nil, nil, err
	}
	inputs := readInputs(r, "networkDatas", "exitCode", "bridge", "containerLogs")
	refreshDrift(inputs, ci)
	outs := containerOutputs(inputs, ci)
	if old, ok := r.Olds["containerLogs"]; ok {
		outs["containerLogs"] = old
	}
	return ci.ID, outs, inputs, nil
}

// refreshDrift writes the engine's actual limits, restart policy and run state into the
// inputs it already sets, so that a refresh shows drift and the next update repairs it.
func refreshDrift(inputs resource.PropertyMap, ci *containerInspect) {
	set := func(key string, v resource.PropertyValue) {
		old, ok := inputs[resource.PropertyKey(key)]
		if !ok || old.IsNull() || old.ContainsUnknowns() {
			return
		}
		inputs[resource.PropertyKey(key)] = rpc.SecretIf(v, rpc.IsSecretInput(old))
	}
	hc := ci.HostConfig
	set("memory", resource.NewNumberProperty(float64(hc.Memory/MiB)))
	if hc.MemorySwap > 0 {
		set("memorySwap", resource.NewNumberProperty(float64(hc.MemorySwap/MiB)))
	} else if hc.MemorySwap < 0 {
		set("memorySwap", resource.NewNumberProperty(-1))
	}
	set("memoryReservation", resource.NewNumberProperty(float64(hc.MemoryReservation/MiB)))
	set("cpuShares", resource.NewNumberProperty(float64(hc.CPUShares)))
	set("cpuSet", resource.NewStringProperty(hc.CpusetCpus))
	if hc.RestartPolicy.Name != "" {
		set("restart", resource.NewStringProperty(hc.RestartPolicy.Name))
	}
	v := rpc.View(inputs)
	if !ci.State.Running && !ci.State.Restarting && v.BoolOr("mustRun", true) && v.BoolOr("start", true) &&
		!v.BoolOr("attach", false) && !v.BoolOr("rm", false) {
		inputs["mustRun"] = resource.NewBoolProperty(false)
	}
}

// ---- update ----

func (c *container) Update(ctx context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	if r.Preview {
		outs := containerOutputs(r.News, nil)
		for _, k := range []string{"networkDatas", "exitCode", "bridge", "containerLogs"} {
			if v, ok := r.Olds[resource.PropertyKey(k)]; ok {
				outs[resource.PropertyKey(k)] = v
			}
		}
		return outs, nil
	}
	cl, err := c.e.get()
	if err != nil {
		return nil, err
	}
	olds := priorInputs(r)
	d := diffContainer(olds, r.News)
	p := rpc.View(r.News)
	needsUpdate := false
	for _, k := range containerUpdateKeys {
		if d.Has(k) {
			needsUpdate = true
		}
	}
	ci, err := cl.inspectContainer(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", r.ID, err)
	}
	if needsUpdate {
		body, err := updateBody(p, ci.HostConfig.MemorySwap)
		if err != nil {
			return nil, err
		}
		r.Status(ctx, "updating container limits")
		var res struct{ Warnings []string }
		if err := cl.Do(ctx, http.MethodPost, "/containers/"+url.PathEscape(r.ID)+"/update", nil, body, &res); err != nil {
			return nil, fmt.Errorf("docker update of container %s: %w", strings.TrimPrefix(ci.Name, "/"), err)
		}
		for _, w := range res.Warnings {
			r.Log(ctx, rpc.Warning, "docker: "+w)
		}
	}
	if (d.Has("mustRun") || d.Has("start")) && p.BoolOr("start", true) && p.BoolOr("mustRun", true) &&
		!ci.State.Running {
		r.Status(ctx, "starting container")
		if err := cl.Do(ctx, http.MethodPost, "/containers/"+url.PathEscape(r.ID)+"/start", nil, nil, nil); err != nil {
			return nil, fmt.Errorf("starting container %s: %w", strings.TrimPrefix(ci.Name, "/"), err)
		}
	}
	if ci, err = cl.inspectContainer(ctx, r.ID); err != nil {
		return nil, err
	}
	outs := containerOutputs(r.News, ci)
	if v, ok := r.Olds["containerLogs"]; ok {
		outs["containerLogs"] = v
	}
	return outs, nil
}

type updateRequest struct {
	Resources
	RestartPolicy restartPolicy
}

// updateBody builds the `docker update` request. When memorySwap is not set, Docker's
// create-time default (swap = 2 x memory) is kept, where the host supports swap limits.
func updateBody(p rpc.Props, currentSwap int64) (updateRequest, error) {
	res, err := resourcesOf(p)
	if err != nil {
		return updateRequest{}, err
	}
	if !p.Has("memorySwap") && res.Memory > 0 && currentSwap > 0 {
		res.MemorySwap = 2 * res.Memory
	}
	u := updateRequest{Resources: Resources{
		Memory: res.Memory, MemorySwap: res.MemorySwap, MemoryReservation: res.MemoryReservation,
		CPUShares: res.CPUShares, CpusetCpus: res.CpusetCpus, NanoCPUs: res.NanoCPUs,
		CPUPeriod: res.CPUPeriod, CPUQuota: res.CPUQuota,
	}}
	u.RestartPolicy = restartPolicy{Name: p.StringOr("restart", "no")}
	if u.RestartPolicy.Name == "on-failure" {
		u.RestartPolicy.MaximumRetryCount = int(p.IntOr("maxRetryCount", 0))
	}
	return u, nil
}

// ---- delete ----

func (c *container) Delete(ctx context.Context, r *rpc.Req) error {
	cl, err := c.e.get()
	if err != nil {
		return err
	}
	p := rpc.View(r.Olds)
	r.Status(ctx, "stopping container")
	q := url.Values{}
	if n, ok := p.Int("destroyGraceSeconds"); ok {
		q.Set("t", strconv.FormatInt(n, 10))
	}
	if err := cl.Do(ctx, http.MethodPost, "/containers/"+url.PathEscape(r.ID)+"/stop", q, nil, nil); err != nil {
		if IsNotFound(err) {
			return nil
		}
		// 304 (already stopped) arrives as success; anything else: removal below forces it.
	}
	rq := url.Values{"force": {"1"}}
	if p.BoolOr("removeVolumes", true) {
		rq.Set("v", "1") // anonymous volumes only; named volumes are separate resources
	}
	for i := 0; ; i++ {
		err := cl.Do(ctx, http.MethodDelete, "/containers/"+url.PathEscape(r.ID), rq, nil, nil)
		if err == nil || IsNotFound(err) {
			return nil
		}
		if !IsConflict(err) || i >= 30 { // 409: removal already in progress (rm=true)
			return fmt.Errorf("removing container %s: %w", shortID(r.ID), err)
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
