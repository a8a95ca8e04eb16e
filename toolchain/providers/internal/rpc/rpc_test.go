package rpc

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func str(s string) resource.PropertyValue  { return resource.NewStringProperty(s) }
func num(n float64) resource.PropertyValue { return resource.NewNumberProperty(n) }

func TestDiffInputs(t *testing.T) {
	olds := resource.PropertyMap{
		"a":          str("x"),
		"secret":     resource.MakeSecret(str("s")),
		"null":       resource.NewNullProperty(),
		"n":          num(1),
		"__defaults": StringList([]string{"name"}),
	}
	news := resource.PropertyMap{
		"a":          str("x"),
		"secret":     str("s"), // same value, no longer wrapped: not a change
		"n":          num(2),
		"added":      str("y"),
		"__defaults": StringList(nil),
	}
	d := DiffInputs(olds, news, func(k string) bool { return k == "n" })
	if got := d.Changed; len(got) != 2 || got[0] != "added" || got[1] != "n" {
		t.Fatalf("changed = %v", got)
	}
	if !d.Replace() || d.Replaces[0] != "n" {
		t.Fatalf("replaces = %v", d.Replaces)
	}
	resp := d.Proto()
	if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME {
		t.Fatal("expected DIFF_SOME")
	}
	if k := resp.DetailedDiff["n"].Kind; k != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Fatalf("n kind = %v", k)
	}
	if k := resp.DetailedDiff["added"].Kind; k != pulumirpc.PropertyDiff_ADD {
		t.Fatalf("added kind = %v", k)
	}
	d.DeleteBeforeReplace = true
	if !d.Proto().DeleteBeforeReplace {
		t.Fatal("DBR lost")
	}
}

func TestDiffInputsUnknownIsChange(t *testing.T) {
	olds := resource.PropertyMap{"image": str("sha256:1")}
	news := resource.PropertyMap{"image": Unknown()}
	if d := DiffInputs(olds, news, nil); !d.Has("image") {
		t.Fatal("unknown new value must count as a change")
	}
	// Unknown nested inside a secret list.
	news = resource.PropertyMap{"image": resource.MakeSecret(resource.NewArrayProperty([]resource.PropertyValue{Unknown()}))}
	if d := DiffInputs(olds, news, nil); !d.Has("image") {
		t.Fatal("nested unknown must count as a change")
	}
	if d := DiffInputs(resource.PropertyMap{}, resource.PropertyMap{"x": resource.NewNullProperty()}, nil); d.HasChanges() {
		t.Fatal("null equals absent")
	}
	if d := DiffInputs(olds, olds, nil); d.HasChanges() || d.Proto().Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatal("no change expected")
	}
}

func TestPropsView(t *testing.T) {
	pm := resource.PropertyMap{
		"s":    resource.MakeSecret(str("hidden")),
		"n":    num(64.0),
		"b":    str("true"), // Node.js passes non-string provider config as strings
		"list": resource.NewArrayProperty([]resource.PropertyValue{str("a"), resource.MakeSecret(str("b"))}),
		"obj": resource.NewObjectProperty(resource.PropertyMap{
			"k": str("v"),
		}),
		"objs": resource.NewArrayProperty([]resource.PropertyValue{
			resource.NewObjectProperty(resource.PropertyMap{"label": str("l"), "value": str("v")}),
		}),
		"u": Unknown(),
	}
	p := View(pm)
	if s, _ := p.String("s"); s != "hidden" {
		t.Fatalf("secret string = %q", s)
	}
	if n, _ := p.Int("n"); n != 64 {
		t.Fatalf("int = %d", n)
	}
	if b, ok := p.Bool("b"); !ok || !b {
		t.Fatal("bool from string")
	}
	if l, _ := p.Strings("list"); len(l) != 2 || l[1] != "b" {
		t.Fatalf("list = %v", l)
	}
	if o, ok := p.Object("obj"); !ok || o.StringOr("k", "") != "v" {
		t.Fatal("object")
	}
	if objs := p.Objects("objs"); len(objs) != 1 || objs[0].StringOr("label", "") != "l" {
		t.Fatal("objects")
	}
	if !p.Unknown("u") || p.Unknown("n") || p.Has("missing") {
		t.Fatal("unknown/has")
	}
	if _, ok := p.String("u"); ok {
		t.Fatal("unknown is not a known string")
	}
	// The original map keeps the secret for outputs.
	outs := CopyInputs(pm)
	if !outs["s"].IsSecret() {
		t.Fatal("CopyInputs must keep secrets")
	}
}

func TestMarshalRoundTripKeepsSecretsAndUnknowns(t *testing.T) {
	pm := resource.PropertyMap{"s": resource.MakeSecret(str("x")), "u": Unknown(), "n": num(3)}
	st, err := Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if !back["s"].IsSecret() || !back["u"].IsComputed() || back["n"].NumberValue() != 3 {
		t.Fatalf("round trip lost information: %v", back)
	}
}

func TestAutoName(t *testing.T) {
	a := AutoName("redis", []byte("seed"))
	if a != AutoName("redis", []byte("seed")) {
		t.Fatal("same seed must give the same name")
	}
	if len(a) != len("redis-")+7 || a[:6] != "redis-" {
		t.Fatalf("bad autoname %q", a)
	}
	if AutoName("redis", nil) == AutoName("redis", nil) {
		t.Fatal("random names should differ")
	}
}

func TestPluginInfoVersion(t *testing.T) {
	if VersionOr("5.2.0") != "5.2.0" && Version == "" {
		t.Fatal("default version")
	}
	p := NewProvider("docker", "5.2.0", nil, nil, nil)
	info, err := p.GetPluginInfo(nil, nil)
	if err != nil || info.Version != "5.2.0" {
		t.Fatalf("plugin info = %v, %v", info, err)
	}
	sch, _ := p.GetSchema(nil, nil)
	if sch.Schema != `{"name":"docker","version":"5.2.0"}` {
		t.Fatalf("schema = %s", sch.Schema)
	}
	cfg, err := p.Configure(nil, &pulumirpc.ConfigureRequest{})
	if err != nil || !cfg.AcceptSecrets || !cfg.SupportsPreview || !cfg.AcceptResources {
		t.Fatalf("configure = %v", cfg)
	}
}
