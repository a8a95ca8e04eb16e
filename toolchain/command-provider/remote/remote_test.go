package remote

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

func conn(kv map[string]property.Value) property.Map {
	return property.NewMap(map[string]property.Value{"connection": property.New(property.NewMap(kv))})
}

func TestCheckConnectionRefusesNamingTheProperty(t *testing.T) {
	secret := "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key-TOPSECRET\n-----END OPENSSH PRIVATE KEY-----\n"
	in := conn(map[string]property.Value{
		"host":           property.New("h"),
		"port":           property.New(70000.0),
		"dialErrorLimit": property.New(-2.0),
		"perDialTimeout": property.New(1.5),
		"privateKey":     property.New(secret).WithSecret(true),
		"hostKey":        property.New("nonsense"),
		"agentSocket":    property.New("/tmp/x"), // a typo of agentSocketPath
		"proxy": property.New(property.NewMap(map[string]property.Value{
			"host": property.New("jump"), "port": property.New(0.0), "proxy": property.New("nested"),
		})),
	})
	got := map[string]string{}
	for _, f := range checkConnection(in) {
		got[f.Property] = f.Reason
	}
	for _, want := range []string{"connection.port", "connection.dialErrorLimit", "connection.perDialTimeout", "connection.privateKey",
		"connection.hostKey", "connection.agentSocket", "connection.proxy.port", "connection.proxy.proxy"} {
		if got[want] == "" {
			t.Errorf("no failure for %s; got %v", want, got)
		}
	}
	if !strings.Contains(got["connection.agentSocket"], "agentSocketPath") {
		t.Errorf("unknown-key failure should list the known keys: %q", got["connection.agentSocket"])
	}
	for k, reason := range got {
		if strings.Contains(reason, "TOPSECRET") {
			t.Errorf("%s failure quotes the secret key: %q", k, reason)
		}
	}
	ok := conn(map[string]property.Value{"host": property.New("h"), "port": property.New(22.0), "dialErrorLimit": property.New(-1.0), "perDialTimeout": property.New(0.0)})
	if f := checkConnection(ok); len(f) != 0 {
		t.Errorf("valid connection refused: %v", f)
	}
	computed := conn(map[string]property.Value{"host": property.New(property.Computed), "port": property.New(property.Computed)})
	if f := checkConnection(computed); len(f) != 0 {
		t.Errorf("unknown values (preview) refused: %v", f)
	}
}

func TestRetryDialHonoursTheLimit(t *testing.T) {
	calls := 0
	_, err := retryDial(context.Background(), "Dial x", 3, func() (int, error) { calls++; return 0, errors.New("refused") })
	if calls != 3 || err == nil || !strings.Contains(err.Error(), "after 3 failed attempts") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("calls %d, err %v", calls, err)
	}
	calls = 0
	if _, err := retryDial(context.Background(), "Dial x", 0, func() (int, error) { calls++; return 0, errors.New("refused") }); calls != 1 || err == nil {
		t.Fatalf("dialErrorLimit 0: %d calls, err %v", calls, err)
	}
	calls = 0
	v, err := retryDial(context.Background(), "Dial x", -1, func() (int, error) {
		calls++
		if calls < 4 {
			return 0, errors.New("not yet")
		}
		return 7, nil
	})
	if err != nil || v != 7 || calls != 4 {
		t.Fatalf("unlimited: v %d err %v calls %d", v, err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := retryDial(ctx, "Dial x", -1, func() (int, error) { return 0, errors.New("down") }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a cancelled unlimited dial returned %v", err)
	}
}

func TestDialRefusedPortAndNoAuth(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	_ = l.Close() // nothing listens there now
	host, port, limit, timeout, pw := "127.0.0.1", float64(addr.Port), 2, 1, "pw"
	c := &Connection{connectionBase: connectionBase{Host: &host, Port: &port, DialErrorLimit: &limit, PerDialTimeout: &timeout, Password: &pw}}
	start := time.Now()
	_, err = c.Dial(context.Background())
	if err == nil || !strings.Contains(err.Error(), "after 2 failed attempts (dialErrorLimit 2)") {
		t.Fatalf("dial of a closed port: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("two refused dials took %v", time.Since(start))
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	none := &Connection{connectionBase: connectionBase{Host: &host, Port: &port}}
	if _, err := none.Dial(context.Background()); err == nil || !strings.Contains(err.Error(), "privateKey, password or agentSocketPath") {
		t.Fatalf("no credentials: %v", err)
	}
	sock := "/nonexistent/agent.sock"
	agent := &Connection{connectionBase: connectionBase{Host: &host, Port: &port, AgentSocketPath: &sock}}
	if _, err := agent.Dial(context.Background()); err == nil || !strings.Contains(err.Error(), "connection.agentSocketPath") {
		t.Fatalf("missing agent: %v", err)
	}
}

func TestNeedsCopyOnlyForContentOrDestination(t *testing.T) {
	a1, _ := resource.NewTextAsset("one")
	a2, _ := resource.NewTextAsset("two")
	h1, h2 := "h1", "h2"
	base := CopyToRemoteInputs{Source: types.AssetOrArchive{Asset: a1}, RemotePath: "/x", Connection: &Connection{connectionBase: connectionBase{Host: &h1}}}
	sameContentNewHost := base
	sameContentNewHost.Connection = &Connection{connectionBase: connectionBase{Host: &h2}}
	if needsCopy(base, sameContentNewHost) {
		t.Error("a new connection alone copies again")
	}
	newContent := base
	newContent.Source = types.AssetOrArchive{Asset: a2}
	if !needsCopy(base, newContent) {
		t.Error("new content not copied")
	}
	newPath := base
	newPath.RemotePath = "/y"
	if !needsCopy(base, newPath) {
		t.Error("new remotePath not copied")
	}
}

// infer decodes the members of an asset archive as serialized maps; the copy must see assets again, or the
// archive's reader yields nothing (found by the e2e test: an AssetArchive copied no file).
func TestAssetArchiveMembersSurviveInferDecoding(t *testing.T) {
	a, _ := resource.NewTextAsset("A")
	inner, _ := resource.NewAssetArchive(map[string]any{"c.txt": a})
	arch, err := resource.NewAssetArchive(map[string]any{"a.txt": a, "sub/b.txt": a, "nested": inner})
	if err != nil {
		t.Fatal(err)
	}
	in, f, err := infer.DefaultCheck[CopyToRemoteInputs](context.Background(), property.NewMap(map[string]property.Value{
		"source": property.New(arch), "remotePath": property.New("/x"),
	}))
	if err != nil || in.Source.Archive == nil {
		t.Fatalf("decode: %v %v", f, err)
	}
	if err := hydrateMembers(in.Source.Archive); err != nil {
		t.Fatal(err)
	}
	r, err := in.Source.Archive.Open()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		name, blob, err := r.Next()
		if err != nil {
			break
		}
		_ = blob.Close()
		names = append(names, name)
	}
	if strings.Join(names, ",") != "a.txt,nested/c.txt,sub/b.txt" {
		t.Fatalf("members %v", names)
	}
}
