package local

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestGlobRules(t *testing.T) {
	files := []string{"assets/logos/logo.svg", "src/index.js", "src/secret.js", "src/lib/a.js", "top.txt"}
	cases := []struct {
		rules []string
		want  []string
	}{
		{[]string{"assets/**", "src/**.js", "!**secret.*"}, []string{"assets/logos/logo.svg", "src/index.js", "src/lib/a.js"}},
		{[]string{"src/*.js"}, []string{"src/index.js", "src/secret.js"}}, // * stays within a segment
		{[]string{"*.txt", "src/{index,secret}.js"}, []string{"src/index.js", "src/secret.js", "top.txt"}},
		{[]string{"!src/index.js", "src/index.js"}, []string{"src/index.js"}}, // order matters: the exclude came first
		{[]string{"src/[is]*.js"}, []string{"src/index.js", "src/secret.js"}},
		{[]string{"nothing/**"}, []string{}},
	}
	for _, c := range cases {
		got, err := selectFiles(files, c.rules)
		if err != nil {
			t.Fatalf("%v: %v", c.rules, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: got %v, want %v", c.rules, got, c.want)
		}
	}
	for _, bad := range []string{"src/[ab", "a{b,c", "!"} {
		if _, err := compileGlob(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("compileGlob(%q) = %v, want an error naming the glob", bad, err)
		}
	}
}

func TestEnvironmentAndPreviousOutput(t *testing.T) {
	in := BaseInputs{Environment: &map[string]string{"B": "2", "A": "1"}}
	prev := BaseOutputs{Stdout: "old out", Stderr: "old err"}
	got := environment([]string{"PATH=/bin"}, in, prev)
	want := []string{"PATH=/bin", "A=1", "B=2", "PULUMI_COMMAND_STDOUT=old out", "PULUMI_COMMAND_STDERR=old err"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	in.AddPreviousOutputInEnv = ptr(false)
	if got := environment(nil, in, prev); len(got) != 2 {
		t.Fatalf("addPreviousOutputInEnv=false still passes the previous output: %v", got)
	}
	if got := commandLine(BaseInputs{}, "echo"); !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "echo"}) {
		t.Fatalf("default interpreter: %v", got)
	}
	if got := commandLine(BaseInputs{Interpreter: &[]string{"/bin/bash", "-ec"}}, "echo"); !reflect.DeepEqual(got, []string{"/bin/bash", "-ec", "echo"}) {
		t.Fatalf("interpreter: %v", got)
	}
}

func TestRunAppliesEveryInput(t *testing.T) {
	dir := t.TempDir()
	in := BaseInputs{
		Dir:          &dir,
		Stdin:        ptr("from stdin"),
		Environment:  &map[string]string{"QK_VAR": "from env"},
		Interpreter:  &[]string{"/bin/bash", "-c"},
		AssetPaths:   &[]string{"out/**", "!out/skip.txt"},
		ArchivePaths: &[]string{"out/*.txt"},
		Logging:      ptr(Logging("none")),
	}
	script := `mkdir -p out && echo a > out/a.txt && echo s > out/skip.txt && read line; ` +
		`echo "$line|$QK_VAR|$(pwd)|${BASH_VERSION:+bash}|$PULUMI_COMMAND_STDOUT"; echo oops >&2`
	out := BaseOutputs{Stdout: "prev"}
	if err := run(context.Background(), script, in, &out); err != nil {
		t.Fatal(err)
	}
	if want := "from stdin|from env|" + dir + "|bash|prev"; out.Stdout != want {
		t.Errorf("stdout %q, want %q", out.Stdout, want)
	}
	if out.Stderr != "oops" {
		t.Errorf("stderr %q", out.Stderr)
	}
	if out.Assets == nil || len(*out.Assets) != 1 || (*out.Assets)["out/a.txt"] == nil {
		t.Errorf("assets %v, want only out/a.txt", out.Assets)
	} else if p := (*out.Assets)["out/a.txt"].Asset.Path; p != filepath.Join(dir, "out/a.txt") {
		t.Errorf("asset path %q", p)
	}
	if out.Archive == nil || len(out.Archive.Assets) != 2 {
		t.Errorf("archive %v, want out/a.txt and out/skip.txt", out.Archive)
	}
}

func TestRunFailureNamesCommandAndOutput(t *testing.T) {
	out := BaseOutputs{}
	err := run(context.Background(), "echo partial; echo bad >&2; exit 3", BaseInputs{}, &out)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "partial") || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("error %v should carry the exit status and the output", err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if err := run(context.Background(), "true", BaseInputs{Dir: &missing}, &out); err == nil || !strings.Contains(err.Error(), "dir") {
		t.Fatalf("a missing dir gave %v", err)
	}
}

func TestCheckBaseRefuses(t *testing.T) {
	f := checkBase(BaseInputs{Interpreter: &[]string{}, Environment: &map[string]string{"A=B": "x"}, ArchivePaths: &[]string{"a[b"}})
	props := map[string]bool{}
	for _, x := range f {
		props[strings.SplitN(x.Property, ".", 2)[0]] = true
	}
	for _, want := range []string{"interpreter", "environment", "archivePaths"} {
		if !props[want] {
			t.Errorf("no failure for %s in %v", want, f)
		}
	}
}
