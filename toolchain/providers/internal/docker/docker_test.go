package docker

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

func s(v string) resource.PropertyValue  { return resource.NewStringProperty(v) }
func n(v float64) resource.PropertyValue { return resource.NewNumberProperty(v) }
func b(v bool) resource.PropertyValue    { return resource.NewBoolProperty(v) }
func obj(m resource.PropertyMap) resource.PropertyValue {
	return resource.NewObjectProperty(m)
}
func arr(vs ...resource.PropertyValue) resource.PropertyValue { return resource.NewArrayProperty(vs) }

func baseContainer() resource.PropertyMap {
	return resource.PropertyMap{
		"name":       s("qk-redis"),
		"image":      s("redis:7"),
		"memory":     n(256),
		"memorySwap": n(256),
		"restart":    s("unless-stopped"),
	}
}

func TestContainerDiffMemoryIsInPlace(t *testing.T) {
	olds := baseContainer()
	news := baseContainer()
	news["memory"] = n(512)
	news["memorySwap"] = n(512)
	news["cpuShares"] = n(512)
	news["restart"] = s("always")
	d := diffContainer(olds, news)
	if !d.HasChanges() || d.Replace() {
		t.Fatalf("limits must update in place: changed=%v replaces=%v", d.Changed, d.Replaces)
	}
}

func TestContainerDiffReplaces(t *testing.T) {
	for key, val := range map[string]resource.PropertyValue{
		"image":   s("redis:7.2"),
		"command": arr(s("redis-server"), s("/etc/redis.conf")),
		"envs":    arr(s("A=1")),
		"ports":   arr(obj(resource.PropertyMap{"internal": n(6379)})),
		"uploads": arr(obj(resource.PropertyMap{"file": s("/etc/redis.conf"), "content": s("maxmemory 1mb")})),
	} {
		news := baseContainer()
		news[resource.PropertyKey(key)] = val
		d := diffContainer(baseContainer(), news)
		if !d.Replace() || d.Replaces[0] != key {
			t.Errorf("%s: expected replacement, got %v", key, d.Replaces)
		}
		if !d.Proto().DeleteBeforeReplace {
			t.Errorf("%s: an explicit name needs delete-before-replace", key)
		}
	}
}

func TestContainerDiffRemovingLimitReplaces(t *testing.T) {
	news := baseContainer()
	delete(news, "memorySwap")
	d := diffContainer(baseContainer(), news)
	if !d.Replace() {
		t.Fatal("docker update cannot lift a limit: removing memorySwap must replace")
	}
}

func TestContainerDiffUnknownImageReplaces(t *testing.T) {
	news := baseContainer()
	news["image"] = rpc.Unknown()
	news["memory"] = rpc.Unknown()
	d := diffContainer(baseContainer(), news)
	if !d.Has("image") || !d.Replace() {
		t.Fatalf("unknown image must be a (replacing) change: %v", d.Replaces)
	}
}

func TestAutoNameReuseAndNoDeleteBeforeReplace(t *testing.T) {
	r := &rpc.Req{Name: "worker", News: resource.PropertyMap{"image": s("x")}, RandomSeed: []byte{1, 2, 3}}
	first := autoName(r)
	name := first["name"].StringValue()
	if !strings.HasPrefix(name, "worker-") || !wasDefaulted(first, "name") {
		t.Fatalf("autoname = %q", name)
	}
	// Next run: the engine passes the old inputs; the name must be stable.
	r2 := &rpc.Req{Name: "worker", OldInputs: first, News: resource.PropertyMap{"image": s("y")}, RandomSeed: []byte{9}}
	second := autoName(r2)
	if second["name"].StringValue() != name {
		t.Fatalf("autoname changed: %q -> %q", name, second["name"].StringValue())
	}
	d := diffContainer(first, second)
	if !d.Replace() || d.Proto().DeleteBeforeReplace {
		t.Fatal("an auto-named container is replaced create-before-delete")
	}
	// An explicit name is kept and not marked as defaulted.
	r3 := &rpc.Req{Name: "worker", News: resource.PropertyMap{"name": s("mine")}}
	if out := autoName(r3); out["name"].StringValue() != "mine" || wasDefaulted(out, "name") {
		t.Fatal("explicit name must win")
	}
}

func TestValidateContainer(t *testing.T) {
	good := baseContainer()
	if fs := validateContainer(good); len(fs) != 0 {
		t.Fatalf("unexpected failures: %v", fs)
	}
	bad := baseContainer()
	bad["restart"] = s("sometimes")
	bad["memorySwap"] = n(128) // < memory
	bad["healthcheck"] = obj(resource.PropertyMap{"interval": s("ten seconds")})
	bad["uploads"] = arr(obj(resource.PropertyMap{"file": s("/x"), "content": s("a"), "contentBase64": s("YQ==")}))
	fs := validateContainer(bad)
	props := map[string]bool{}
	for _, f := range fs {
		props[f.Property] = true
	}
	for _, want := range []string{"restart", "memorySwap", "healthcheck.interval", "uploads[0]"} {
		if !props[want] {
			t.Errorf("missing failure for %s in %v", want, fs)
		}
	}
	// Unknowns during preview must not produce failures or panics.
	unk := resource.PropertyMap{"image": rpc.Unknown(), "memory": rpc.Unknown(), "memorySwap": n(64),
		"uploads": rpc.Unknown(), "ports": arr(rpc.Unknown()), "healthcheck": rpc.Unknown()}
	if fs := validateContainer(unk); len(fs) != 0 {
		t.Fatalf("unknowns produced failures: %v", fs)
	}
}

func TestBuildContainerSpec(t *testing.T) {
	in := baseContainer()
	in["memorySwap"] = n(-1)
	in["memoryReservation"] = n(128)
	in["shmSize"] = n(64)
	in["cpus"] = s("1.5")
	in["restart"] = s("on-failure")
	in["maxRetryCount"] = n(3)
	in["envs"] = resource.MakeSecret(arr(s("REDIS_PASSWORD=x")))
	in["healthcheck"] = obj(resource.PropertyMap{
		"tests": arr(s("CMD"), s("redis-cli"), s("ping")), "interval": s("10s"), "timeout": s("3s"),
		"startPeriod": s("1m"), "retries": n(5)})
	in["ports"] = arr(obj(resource.PropertyMap{"internal": n(6379), "external": n(16379), "ip": s("127.0.0.1")}))
	in["volumes"] = arr(
		obj(resource.PropertyMap{"volumeName": s("redis-data"), "containerPath": s("/data")}),
		obj(resource.PropertyMap{"hostPath": s("/etc/qk"), "containerPath": s("/etc/qk"), "readOnly": b(true)}),
		obj(resource.PropertyMap{"containerPath": s("/scratch")}))
	in["networksAdvanced"] = arr(
		obj(resource.PropertyMap{"name": s("qk-backend"), "aliases": arr(s("redis"))}),
		obj(resource.PropertyMap{"name": s("qk-monitoring")}))
	in["labels"] = arr(obj(resource.PropertyMap{"label": s("qk.role"), "value": s("broker")}))
	in["capabilities"] = obj(resource.PropertyMap{"drops": arr(s("ALL"))})
	in["logOpts"] = obj(resource.PropertyMap{"max-size": s("10m")})
	in["sysctls"] = obj(resource.PropertyMap{"net.core.somaxconn": s("1024")})
	in["init"] = b(true)
	in["cgroupParent"] = s("/qk")
	in["uploads"] = arr(obj(resource.PropertyMap{"file": s("/usr/local/etc/redis/redis.conf"), "content": s("maxmemory 179mb\n")}),
		obj(resource.PropertyMap{"file": s("/entry.sh"), "contentBase64": s("IyEvYmluL3NoCg=="), "executable": b(true)}))

	spec, err := buildContainerSpec(rpc.View(in))
	if err != nil {
		t.Fatal(err)
	}
	h := spec.Body.HostConfig
	if h.Memory != 256*MiB || h.MemorySwap != -1 || h.MemoryReservation != 128*MiB || h.ShmSize != 64*MiB {
		t.Fatalf("memory units wrong: %+v", h.Resources)
	}
	if h.NanoCPUs != 1_500_000_000 {
		t.Fatalf("cpus = %d", h.NanoCPUs)
	}
	if h.RestartPolicy != (restartPolicy{"on-failure", 3}) {
		t.Fatalf("restart = %+v", h.RestartPolicy)
	}
	hc := spec.Body.Healthcheck
	if hc.Interval != int64(10*time.Second) || hc.StartPeriod != int64(time.Minute) || hc.Retries != 5 || len(hc.Test) != 3 {
		t.Fatalf("healthcheck = %+v", hc)
	}
	if pb := h.PortBindings["6379/tcp"]; len(pb) != 1 || pb[0].HostIP != "127.0.0.1" || pb[0].HostPort != "16379" {
		t.Fatalf("ports = %+v", h.PortBindings)
	}
	if len(h.Binds) != 2 || h.Binds[0] != "redis-data:/data" || h.Binds[1] != "/etc/qk:/etc/qk:ro" {
		t.Fatalf("binds = %v", h.Binds)
	}
	if _, ok := spec.Body.Volumes["/scratch"]; !ok {
		t.Fatal("anonymous volume missing")
	}
	if h.NetworkMode != "qk-backend" || spec.Body.NetworkingConfig.EndpointsConfig["qk-backend"].Aliases[0] != "redis" {
		t.Fatalf("first network must be attached at create: %s", h.NetworkMode)
	}
	if len(spec.Networks) != 1 || spec.Networks[0].Name != "qk-monitoring" {
		t.Fatalf("remaining networks = %+v", spec.Networks)
	}
	if spec.Body.Env[0] != "REDIS_PASSWORD=x" || spec.Body.Labels["qk.role"] != "broker" || h.CapDrop[0] != "ALL" {
		t.Fatal("env/labels/caps")
	}
	if h.LogConfig.Type != "json-file" || h.LogConfig.Config["max-size"] != "10m" || h.Init == nil || !*h.Init {
		t.Fatalf("log config / init: %+v", h.LogConfig)
	}
	if h.CgroupParent != "/qk" || h.Sysctls["net.core.somaxconn"] != "1024" {
		t.Fatal("cgroupParent/sysctls")
	}
	// The JSON the engine receives uses Docker's field names.
	js, _ := json.Marshal(spec.Body)
	for _, want := range []string{`"Memory":268435456`, `"MemorySwap":-1`, `"NanoCpus":1500000000`, `"HostIp":"127.0.0.1"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("create body lacks %s: %s", want, js)
		}
	}

	tb, err := tarUploads(spec.Uploads)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(tb))
	got := map[string]int64{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[hdr.Name] = hdr.Mode
	}
	if got["usr/local/etc/redis/redis.conf"] != 0o644 || got["entry.sh"] != 0o744 {
		t.Fatalf("tar entries = %v", got)
	}
}

func TestUnsetSwapKeepsDockerDefault(t *testing.T) {
	in := baseContainer()
	delete(in, "memorySwap")
	spec, err := buildContainerSpec(rpc.View(in))
	if err != nil {
		t.Fatal(err)
	}
	if spec.Body.HostConfig.MemorySwap != 0 {
		t.Fatal("unset memorySwap must be left to Docker")
	}
	u, _ := updateBody(rpc.View(in), 512*MiB)
	if u.Memory != 256*MiB || u.MemorySwap != 512*MiB {
		t.Fatalf("update must keep swap = 2 x memory: %+v", u.Resources)
	}
	in["memorySwap"] = n(256)
	u, _ = updateBody(rpc.View(in), 512*MiB)
	if u.MemorySwap != 256*MiB || u.RestartPolicy.Name != "unless-stopped" {
		t.Fatalf("update body = %+v", u)
	}
}

func TestSSHArgs(t *testing.T) {
	u, _ := url.Parse("ssh://deploy@vps.example:2200")
	got := strings.Join(sshArgs(u, []string{"-i", "/k"}), " ")
	want := "-i /k -o ConnectTimeout=30 -T -l deploy -p 2200 -- vps.example docker system dial-stdio"
	if got != want {
		t.Fatalf("ssh args\n got %s\nwant %s", got, want)
	}
}

func TestProviderConfig(t *testing.T) {
	e := &engine{}
	err := e.configure(resource.PropertyMap{"host": s("ssh://root@h"), "sshOpts": s(`["-o","StrictHostKeyChecking=no"]`)})
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.Host != "ssh://root@h" || len(e.cfg.SSHOpts) != 2 {
		t.Fatalf("cfg = %+v", e.cfg)
	}
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
	if err := e.configure(resource.PropertyMap{}); err != nil || e.cfg.Host != "tcp://127.0.0.1:2375" {
		t.Fatalf("DOCKER_HOST not honoured: %+v %v", e.cfg, err)
	}
	if err := e.configure(resource.PropertyMap{"host": s("ftp://x")}); err == nil {
		t.Fatal("bad scheme must fail")
	}
}

func TestImageAndNetworkDiff(t *testing.T) {
	old := resource.PropertyMap{"name": s("redis:7"), "keepLocally": b(false)}
	nw := resource.PropertyMap{"name": s("redis:7"), "keepLocally": b(true)}
	if d := diffImage(old, nw); d.Replace() || !d.HasChanges() {
		t.Fatal("keepLocally updates in place")
	}
	nw["name"] = s("redis:7.2")
	if d := diffImage(old, nw); !d.Replace() {
		t.Fatal("name replaces")
	}
	on := resource.PropertyMap{"name": s("qk-net"), "internal": b(false)}
	nn := resource.PropertyMap{"name": s("qk-net"), "internal": b(true)}
	if d := diffNetwork(on, nn); !d.Replace() || !d.Proto().DeleteBeforeReplace {
		t.Fatal("network changes replace, delete first when named")
	}
	body := networkCreateBody(rpc.View(resource.PropertyMap{"name": s("qk-net"), "internal": b(true),
		"ipamConfigs": arr(obj(resource.PropertyMap{"subnet": s("10.9.0.0/24")}))}))
	if body["Internal"] != true || body["Driver"] != "bridge" {
		t.Fatalf("network body = %v", body)
	}
}

func TestDemux(t *testing.T) {
	frame := func(stream byte, msg string) []byte {
		h := []byte{stream, 0, 0, 0, 0, 0, 0, byte(len(msg))}
		return append(h, msg...)
	}
	in := append(frame(1, "out\n"), frame(2, "err\n")...)
	if got := demux(in); got != "out\nerr\n" {
		t.Fatalf("demux = %q", got)
	}
	if got := demux([]byte("plain text")); got != "plain text" {
		t.Fatalf("plain = %q", got)
	}
}

func TestRefreshDrift(t *testing.T) {
	inputs := baseContainer()
	inputs["memory"] = resource.MakeSecret(n(256))
	ci := &containerInspect{}
	ci.HostConfig.Memory = 512 * MiB
	ci.HostConfig.MemorySwap = 512 * MiB
	ci.HostConfig.RestartPolicy = restartPolicy{Name: "always"}
	ci.State.Running = true
	refreshDrift(inputs, ci)
	if !inputs["memory"].IsSecret() || rpc.Plain(inputs["memory"]).NumberValue() != 512 {
		t.Fatalf("memory drift = %v", inputs["memory"])
	}
	if inputs["memorySwap"].NumberValue() != 512 || inputs["restart"].StringValue() != "always" {
		t.Fatal("swap/restart drift not recorded")
	}
	if _, ok := inputs["cpuShares"]; ok {
		t.Fatal("inputs the program does not set stay unset")
	}
	ci.State.Running = false
	refreshDrift(inputs, ci)
	if inputs["mustRun"].BoolValue() {
		t.Fatal("a stopped container must flag mustRun=false so the next update starts it")
	}
	created := baseContainer()
	created["start"] = resource.NewBoolProperty(false)
	refreshDrift(created, ci)
	if _, ok := created["mustRun"]; ok {
		t.Fatal("a container created with start=false is expected to be stopped")
	}
}
