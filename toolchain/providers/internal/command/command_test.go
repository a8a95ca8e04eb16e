package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

func s(v string) resource.PropertyValue  { return resource.NewStringProperty(v) }
func n(v float64) resource.PropertyValue { return resource.NewNumberProperty(v) }
func obj(m resource.PropertyMap) resource.PropertyValue {
	return resource.NewObjectProperty(m)
}
func arr(vs ...resource.PropertyValue) resource.PropertyValue { return resource.NewArrayProperty(vs) }

func must[T any](v T, err error) func(t *testing.T, what string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func conn(host string, extra resource.PropertyMap) resource.PropertyValue {
	m := resource.PropertyMap{"host": s(host), "port": n(22), "user": s("root"), "privateKey": s("KEY")}
	for k, v := range extra {
		m[k] = v
	}
	return resource.MakeSecret(obj(m))
}

func TestDiffCommand(t *testing.T) {
	olds := resource.PropertyMap{"create": s("echo 1"), "triggers": arr(s("a")), "connection": conn("10.0.0.1", nil)}

	news := olds.Copy()
	news["create"] = s("echo 2")
	d := diffCommand(olds, news)
	if !d.HasChanges() || d.Replace() || !needsRerun(d) {
		t.Fatalf("create change: update in place and rerun; got %v / %v", d.Changed, d.Replaces)
	}

	news = olds.Copy()
	news["triggers"] = arr(s("b"))
	if d := diffCommand(olds, news); !d.Replace() {
		t.Fatal("triggers replace")
	}

	news = olds.Copy()
	news["connection"] = conn("10.0.0.2", nil)
	if d := diffCommand(olds, news); !d.Replace() {
		t.Fatal("a new host replaces")
	}

	news = olds.Copy()
	news["connection"] = conn("10.0.0.1", resource.PropertyMap{"privateKey": s("ROTATED"), "dialErrorLimit": n(20)})
	d = diffCommand(olds, news)
	if !d.HasChanges() || d.Replace() || needsRerun(d) {
		t.Fatalf("new credentials: update without rerun; got %v / %v", d.Changed, d.Replaces)
	}

	news = olds.Copy()
	news["connection"] = resource.MakeSecret(rpc.Unknown())
	if d := diffCommand(olds, news); !d.Replace() {
		t.Fatal("an unknown connection may point elsewhere: replace")
	}

	if d := diffCommand(olds, olds.Copy()); d.HasChanges() {
		t.Fatal("no change expected")
	}
}

func TestCheckKeepsConnectionSecret(t *testing.T) {
	c := &cmdResource{remote: true}
	plain := resource.PropertyMap{"create": s("true"), "connection": obj(resource.PropertyMap{"host": s("h"), "privateKey": s("K")})}
	out, fs, err := c.Check(context.Background(), &rpc.Req{News: plain})
	if err != nil || len(fs) != 0 {
		t.Fatalf("check: %v %v", err, fs)
	}
	if !out["connection"].IsSecret() {
		t.Fatal("connection must be stored as a secret")
	}
	_, fs, _ = c.Check(context.Background(), &rpc.Req{News: resource.PropertyMap{"create": s("true"), "logging": s("loud")}})
	if len(fs) != 2 {
		t.Fatalf("expected failures for connection and logging, got %v", fs)
	}
	cp := &copyToRemote{}
	out, fs, _ = cp.Check(context.Background(), &rpc.Req{News: resource.PropertyMap{"connection": obj(resource.PropertyMap{"host": s("h")}),
		"remotePath": s("/x"), "source": rpc.Unknown()}})
	if len(fs) != 0 || !out["connection"].IsSecret() {
		t.Fatalf("copy check: %v", fs)
	}
}

func TestDescribeHidesSecrets(t *testing.T) {
	if got := describe("create", "curl -H 'token: abc' x", true); strings.Contains(got, "abc") {
		t.Fatalf("secret leaked: %s", got)
	}
	if got := describe("create", "apt-get update\napt-get install -y redis", false); got != `create command "apt-get update ..."` {
		t.Fatalf("describe = %s", got)
	}
}

func TestGlobs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.txt", "b.log", "sub/c.txt", "sub/deep/d.txt"} {
		p := filepath.Join(dir, f)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(f), 0o644)
	}
	got, err := matchGlobs(dir, []string{"**/*.txt", "!sub/deep/**"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "a.txt,sub/c.txt" {
		t.Fatalf("globs = %v", got)
	}
	got, _ = matchGlobs(dir, []string{"*.log"})
	if strings.Join(got, ",") != "b.log" {
		t.Fatalf("globs = %v", got)
	}
}

func TestRunLocal(t *testing.T) {
	var lines []string
	out := &lineSink{emit: func(l string) { lines = append(lines, l) }}
	errs := &lineSink{}
	code, err := runLocal(context.Background(), localRun{
		command: `echo "$QK_X"; cat; echo bad >&2; exit 3`, env: map[string]string{"QK_X": "from-env"}, stdin: "from-stdin\n",
		dir: t.TempDir()}, out, errs)
	if err == nil || code != 3 {
		t.Fatalf("exit code = %d, err = %v", code, err)
	}
	if out.output() != "from-env\nfrom-stdin" || errs.output() != "bad" {
		t.Fatalf("stdout %q stderr %q", out.output(), errs.output())
	}
	if len(lines) != 2 {
		t.Fatalf("streamed lines = %v", lines)
	}
	out, errs = &lineSink{}, &lineSink{}
	if _, err := runLocal(context.Background(), localRun{interpreter: []string{"python3", "-c"},
		command: "print(6*7)"}, out, errs); err != nil || out.output() != "42" {
		t.Skipf("python3 interpreter: %v %q", err, out.output())
	}
}

// TestLocalCommandLifecycle goes through the gRPC methods like the engine does.
func TestLocalCommandLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := must(New(nil, "1.2.1"))(t, "New")
	prov := srv.(*rpc.Provider)
	dir := t.TempDir()
	urn := "urn:pulumi:it::qk::command:local:Command::c"
	pb := func(pm resource.PropertyMap) *structpb.Struct { return must(rpc.Marshal(pm))(t, "marshal") }
	inputs := resource.PropertyMap{
		"create":      s("echo created; echo $QK_SECRET > secret.txt"),
		"update":      s(`echo "updated after $PULUMI_COMMAND_STDOUT"`),
		"delete":      s(`echo "$PULUMI_COMMAND_STDOUT" > deleted.txt`),
		"dir":         s(dir),
		"environment": obj(resource.PropertyMap{"QK_SECRET": resource.MakeSecret(s("hunter2"))}),
	}
	// Preview runs nothing.
	pre := must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: pb(inputs), Preview: true}))(t, "preview")
	if _, err := os.Stat(filepath.Join(dir, "secret.txt")); err == nil {
		t.Fatal("preview must not run the command")
	}
	if po := must(rpc.Unmarshal(pre.Properties))(t, "unmarshal"); !po["stdout"].IsComputed() {
		t.Fatal("stdout is unknown during preview")
	}
	created := must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: pb(inputs)}))(t, "create")
	outs := must(rpc.Unmarshal(created.Properties))(t, "unmarshal")
	if !outs["stdout"].IsSecret() || rpc.Plain(outs["stdout"]).StringValue() != "created" {
		t.Fatalf("stdout = %v (must be secret: the environment is)", outs["stdout"])
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "secret.txt")); string(b) != "hunter2\n" {
		t.Fatalf("env not passed: %q", b)
	}
	news := inputs.Copy()
	news["create"] = s("echo created v2")
	d := must(prov.Diff(ctx, &pulumirpc.DiffRequest{Urn: urn, Id: created.Id, Olds: created.Properties,
		OldInputs: pb(inputs), News: pb(news)}))(t, "diff")
	if len(d.Replaces) != 0 || d.Changes != pulumirpc.DiffResponse_DIFF_SOME {
		t.Fatalf("diff = %v", d)
	}
	upd := must(prov.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Id: created.Id, Olds: created.Properties,
		OldInputs: pb(inputs), News: pb(news)}))(t, "update")
	uo := must(rpc.Unmarshal(upd.Properties))(t, "unmarshal")
	if got := rpc.Plain(uo["stdout"]).StringValue(); got != "updated after created" {
		t.Fatalf("update stdout = %q", got)
	}
	must(prov.Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Id: created.Id, Properties: upd.Properties}))(t, "delete")
	if b, _ := os.ReadFile(filepath.Join(dir, "deleted.txt")); string(b) != "updated after created\n" {
		t.Fatalf("delete did not see PULUMI_COMMAND_STDOUT: %q", b)
	}
	// A failing command reports its exit code and stderr.
	bad := resource.PropertyMap{"create": s("echo nope >&2; exit 9"), "dir": s(dir)}
	_, err := prov.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: pb(bad)})
	if err == nil || !strings.Contains(err.Error(), "exit code 9") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("failure message = %v", err)
	}
}
