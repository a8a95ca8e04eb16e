package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// What `@pulumi/command` 1.2.1 declares (node_modules/@pulumi/command/**/*.d.ts): every input and output name.
var sdkInputs = map[string][]string{
	"command:local:Command":       {"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir", "environment", "interpreter", "logging", "stdin", "triggers", "update"},
	"command:remote:Command":      {"addPreviousOutputInEnv", "connection", "create", "delete", "environment", "logging", "stdin", "triggers", "update"},
	"command:remote:CopyToRemote": {"connection", "remotePath", "source", "triggers"},
	"command:remote:CopyFile":     {"connection", "localPath", "remotePath", "triggers"},
}

var sdkOutputs = map[string][]string{
	"command:local:Command":       {"addPreviousOutputInEnv", "archive", "archivePaths", "assetPaths", "assets", "create", "delete", "dir", "environment", "interpreter", "logging", "stderr", "stdin", "stdout", "triggers", "update"},
	"command:remote:Command":      {"addPreviousOutputInEnv", "connection", "create", "delete", "environment", "logging", "stderr", "stdin", "stdout", "triggers", "update"},
	"command:remote:CopyToRemote": {"connection", "remotePath", "source", "triggers"},
	"command:remote:CopyFile":     {"connection", "localPath", "remotePath", "triggers"},
}

var connectionProps = []string{"agentSocketPath", "dialErrorLimit", "host", "hostKey", "password", "perDialTimeout", "port", "privateKey", "privateKeyPassword", "proxy", "user"}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func loadSchema(t *testing.T) schema.PackageSpec {
	t.Helper()
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := p.GetSchema(context.Background(), Name, "1.2.1", prov)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestSchemaMatchesTheSDK(t *testing.T) {
	spec := loadSchema(t)
	if spec.Name != "command" || spec.Version != "1.2.1" {
		t.Fatalf("package %s %s", spec.Name, spec.Version)
	}
	if got := keys(spec.Resources); strings.Join(got, ",") != "command:local:Command,command:remote:Command,command:remote:CopyFile,command:remote:CopyToRemote" {
		t.Fatalf("resources %v", got)
	}
	for tok, want := range sdkInputs {
		r := spec.Resources[tok]
		sort.Strings(want)
		if got := keys(r.InputProperties); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s inputs %v, SDK sends %v", tok, got, want)
		}
		outs := sdkOutputs[tok]
		sort.Strings(outs)
		if got := keys(r.Properties); strings.Join(got, ",") != strings.Join(outs, ",") {
			t.Errorf("%s outputs %v, SDK reads %v", tok, got, outs)
		}
		if tok != "command:remote:CopyFile" && !r.InputProperties["triggers"].ReplaceOnChanges {
			t.Errorf("%s: triggers must replace", tok)
		}
		for name, prop := range r.InputProperties {
			if name != "triggers" && prop.ReplaceOnChanges {
				t.Errorf("%s.%s replaces; only triggers does in the SDK", tok, name)
			}
		}
		if c, ok := r.InputProperties["connection"]; ok && (!c.Secret || c.Ref != "#/types/command:remote:Connection") {
			t.Errorf("%s.connection: secret %v, ref %s", tok, c.Secret, c.Ref)
		}
	}
	req := spec.Resources["command:remote:CopyToRemote"].RequiredInputs
	sort.Strings(req)
	if strings.Join(req, ",") != "connection,remotePath,source" {
		t.Errorf("CopyToRemote required %v", req)
	}
	conn := spec.Types["command:remote:Connection"]
	if got := keys(conn.Properties); strings.Join(got, ",") != strings.Join(connectionProps, ",") {
		t.Errorf("Connection properties %v, want %v", got, connectionProps)
	}
	for _, s := range []string{"password", "privateKey", "privateKeyPassword"} {
		if !conn.Properties[s].Secret {
			t.Errorf("connection.%s is not secret", s)
		}
	}
	for k, want := range map[string]any{"port": 22, "user": "root", "dialErrorLimit": 10, "perDialTimeout": 15} {
		if got := conn.Properties[k].Default; got == nil || toString(got) != toString(want) {
			t.Errorf("connection.%s default %v, want %v", k, got, want)
		}
	}
	proxy := spec.Types["command:remote:ProxyConnection"]
	if _, ok := proxy.Properties["proxy"]; ok || len(proxy.Properties) != len(connectionProps)-1 {
		t.Errorf("ProxyConnection properties %v", keys(proxy.Properties))
	}
	for _, tok := range []string{"command:local:Logging", "command:remote:Logging"} {
		var vals []string
		for _, e := range spec.Types[tok].Enum {
			vals = append(vals, toString(e.Value))
		}
		if strings.Join(vals, ",") != "stdout,stderr,stdoutAndStderr,none" {
			t.Errorf("%s values %v", tok, vals)
		}
	}
	fn, ok := spec.Functions["command:local:run"]
	if !ok {
		t.Fatalf("functions %v", keys(spec.Functions))
	}
	if fn.Inputs == nil || fn.Inputs.Properties["command"].Type != "string" || len(fn.Inputs.Required) != 1 {
		t.Errorf("run inputs %+v", fn.Inputs)
	}
	if fn.ReturnType == nil || fn.ReturnType.ObjectTypeSpec == nil || fn.ReturnType.ObjectTypeSpec.Properties["stdout"].Type != "string" {
		t.Errorf("run result %+v", fn.ReturnType)
	}
	if spec.Resources["command:remote:CopyFile"].DeprecationMessage == "" {
		t.Error("CopyFile is deprecated in the SDK")
	}
}

func toString(v any) string {
	if f, ok := v.(float64); ok && f == float64(int(f)) {
		return fmt.Sprint(int(f))
	}
	return fmt.Sprint(v)
}
