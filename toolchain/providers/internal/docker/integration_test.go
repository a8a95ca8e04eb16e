package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// testImage makes sure a tiny image exists: QK_TEST_IMAGE, or qk-test:busybox
// imported from the host's static busybox.
func testImage(t *testing.T, cl *Client) string {
	ctx := context.Background()
	img := os.Getenv("QK_TEST_IMAGE")
	if img == "" {
		img = "qk-test:busybox"
	}
	if _, err := cl.inspectImage(ctx, img); err == nil {
		return img
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil || os.Getenv("QK_TEST_IMAGE") != "" {
		t.Skipf("test image %s absent and no /bin/busybox to build it", img)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))})
	_, _ = tw.Write(bb)
	for _, l := range []string{"sh", "sleep", "cat", "test"} {
		_ = tw.WriteHeader(&tar.Header{Name: "bin/" + l, Typeflag: tar.TypeSymlink, Linkname: "busybox"})
	}
	_ = tw.Close()
	resp, err := cl.request(ctx, http.MethodPost, "/images/create",
		url.Values{"fromSrc": {"-"}, "repo": {"qk-test"}, "tag": {"busybox"}}, &buf, "application/x-tar")
	if err != nil {
		t.Fatalf("importing test image: %v", err)
	}
	resp.Body.Close()
	return "qk-test:busybox"
}

// must(f())(t, "what") fails the test on error and returns the value.
func must[T any](v T, err error) func(t *testing.T, what string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestContainerLifecycle drives the provider through its gRPC methods against the
// local Docker engine: create, no-op diff, in-place memory update, delete.
func TestContainerLifecycle(t *testing.T) {
	cl, err := NewClient(Config{Host: DefaultHost})
	if err != nil || cl.Ping(context.Background()) != nil {
		t.Skip("no Docker engine at " + DefaultHost)
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" && h != DefaultHost {
		t.Skip("DOCKER_HOST points elsewhere")
	}
	image := testImage(t, cl)
	ctx := context.Background()
	srv := must(New(nil, "5.2.0"))(t, "New")
	prov := srv.(*rpc.Provider)
	must(prov.Configure(ctx, &pulumirpc.ConfigureRequest{}))(t, "Configure")
	name := fmt.Sprintf("qk-it-%d", time.Now().UnixNano()%1e9)
	urn := "urn:pulumi:it::qk::docker:index/container:Container::it"
	inputs := func(mem float64) resource.PropertyMap {
		return resource.PropertyMap{
			"name": s(name), "image": s(image), "command": arr(s("sleep"), s("300")), "networkMode": s("none"),
			"memory": n(mem), "memorySwap": n(mem), "destroyGraceSeconds": n(1),
			"envs":    resource.MakeSecret(arr(s("TOKEN=t0p"))),
			"uploads": arr(obj(resource.PropertyMap{"file": s("/etc/qk.conf"), "content": s("x=1\n")})),
		}
	}
	pb := func(pm resource.PropertyMap) *structpb.Struct { return must(rpc.Marshal(pm))(t, "marshal") }

	chk := must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, News: pb(inputs(32))}))(t, "Check")
	if len(chk.Failures) > 0 {
		t.Fatalf("check failures: %v", chk.Failures)
	}
	created := must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: chk.Inputs}))(t, "Create")
	id := created.Id
	defer func() {
		_ = cl.Do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}}, nil, nil)
	}()
	outs := must(rpc.Unmarshal(created.Properties))(t, "unmarshal")
	if !outs["envs"].IsSecret() {
		t.Fatal("a secret input must stay secret in the outputs")
	}
	ci := must(cl.inspectContainer(ctx, id))(t, "inspect")
	if ci.HostConfig.Memory != 32*MiB || ci.HostConfig.MemorySwap != 32*MiB || !ci.State.Running {
		t.Fatalf("created container: memory=%d swap=%d running=%v", ci.HostConfig.Memory, ci.HostConfig.MemorySwap, ci.State.Running)
	}
	logs, _ := cl.Logs(ctx, id, 0, false)
	_ = logs

	// Same inputs: no changes.
	d := must(prov.Diff(ctx, &pulumirpc.DiffRequest{Urn: urn, Id: id, Olds: created.Properties,
		OldInputs: chk.Inputs, News: chk.Inputs}))(t, "Diff")
	if d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("expected no changes, got %v", d.Diffs)
	}
	// Memory change: in place.
	chk2 := must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Olds: chk.Inputs, News: pb(inputs(48))}))(t, "Check")
	d = must(prov.Diff(ctx, &pulumirpc.DiffRequest{Urn: urn, Id: id, Olds: created.Properties,
		OldInputs: chk.Inputs, News: chk2.Inputs}))(t, "Diff")
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 0 {
		t.Fatalf("memory change must update in place: diffs=%v replaces=%v", d.Diffs, d.Replaces)
	}
	must(prov.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Id: id, Olds: created.Properties,
		OldInputs: chk.Inputs, News: chk2.Inputs}))(t, "Update")
	ci = must(cl.inspectContainer(ctx, id))(t, "inspect")
	if ci.HostConfig.Memory != 48*MiB || ci.HostConfig.MemorySwap != 48*MiB || ci.ID != id {
		t.Fatalf("after update: memory=%d swap=%d", ci.HostConfig.Memory, ci.HostConfig.MemorySwap)
	}
	// Refresh sees the container; delete removes it.
	rd := must(prov.Read(ctx, &pulumirpc.ReadRequest{Urn: urn, Id: id, Properties: created.Properties, Inputs: chk2.Inputs}))(t, "Read")
	if rd.Id != id {
		t.Fatal("read lost the container")
	}
	must(prov.Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Id: id, Properties: created.Properties}))(t, "Delete")
	if _, err := cl.inspectContainer(ctx, id); !IsNotFound(err) {
		t.Fatalf("container still there after delete: %v", err)
	}
	rd = must(prov.Read(ctx, &pulumirpc.ReadRequest{Urn: urn, Id: id, Properties: created.Properties}))(t, "Read")
	if rd.Id != "" {
		t.Fatal("read of a removed container must report it gone")
	}
}
