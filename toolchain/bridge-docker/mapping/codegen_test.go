package mapping

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	nodejs "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
)

// TestNodeSDKCodegen: Pulumi's Node.js code generator turns the plugin's schema into an SDK whose classes, Args,
// State and nested input types have exactly the members of the published @pulumi/docker 5.2.0 (the npm package this
// repo installs), and which type-checks with the repo's TypeScript and @pulumi/pulumi (issue 11: codegen works).
func TestNodeSDKCodegen(t *testing.T) {
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	installed := filepath.Join(repo, "node_modules", "@pulumi", "docker")
	if _, err := os.Stat(filepath.Join(installed, "package.json")); err != nil {
		t.Fatalf("the published SDK is not installed (npm ci first): %v", err)
	}
	t.Chdir(t.TempDir()) // tfgen reads the nearest Pulumi.yaml (see TestSchema)
	spec, err := tfgen.GenerateSchema(Provider("5.2.0", nil), cmdutil.Diag())
	if err != nil {
		t.Fatal(err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("binding the schema: %v %v", err, diags)
	}
	files, err := nodejs.GeneratePackage("queuekit", pkg, nil, nil, false, noPackages{})
	if err != nil {
		t.Fatal(err)
	}

	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(installed, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, class := range Resources {
		file := lowerFirst(class)
		gen, ok := files[file+".ts"]
		if !ok {
			t.Errorf("no %s.ts generated", file)
			continue
		}
		for _, iface := range []string{class + "Args", class + "State"} {
			compareMembers(t, iface, members(string(gen), iface), members(read(file+".d.ts"), iface))
		}
	}
	genInputs, pubInputs := string(files["types/input.ts"]), read("types/input.d.ts")
	names := interfaces(genInputs)
	if len(names) < 50 {
		t.Fatalf("only %d input types generated", len(names))
	}
	for _, iface := range names {
		compareMembers(t, "types/input "+iface, members(genInputs, iface), members(pubInputs, iface))
	}

	// Type-check the generated SDK with the repo's TypeScript and @pulumi/pulumi.
	dir := t.TempDir()
	for p, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(repo, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	tsc := exec.Command(filepath.Join(repo, "node_modules", ".bin", "tsc"), "--noEmit", "-p", dir)
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Fatalf("the generated SDK does not type-check: %v\n%s", err, out)
	}
	t.Logf("%d files generated, %d resources and %d input types compared, tsc clean", len(files), len(Resources), len(names))
}

var memberLine = regexp.MustCompile(`^    (?:readonly )?(\w+)\??:`)

// members lists the member names of a top-level `export interface name {` in TypeScript source (nil if absent).
func members(src, name string) []string {
	start := strings.Index(src, "export interface "+name+" {\n")
	if start < 0 {
		return nil
	}
	body := src[start:]
	if end := strings.Index(body, "\n}\n"); end >= 0 {
		body = body[:end]
	}
	var got []string
	for _, l := range strings.Split(body, "\n") {
		if m := memberLine.FindStringSubmatch(l); m != nil {
			got = append(got, m[1])
		}
	}
	sort.Strings(got)
	return got
}

// interfaces lists the top-level interfaces a TypeScript file exports.
func interfaces(src string) []string {
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^export interface (\w+) \{$`).FindAllStringSubmatch(src, -1) {
		got = append(got, m[1])
	}
	return got
}

func compareMembers(t *testing.T, what string, gen, pub []string) {
	t.Helper()
	if strings.Join(gen, ",") != strings.Join(pub, ",") {
		t.Errorf("%s: generated %v, published %v", what, gen, pub)
	}
}

// noPackages: the docker schema refers to no other package, so any load is an error.
type noPackages struct{}

var errNoPackages = errors.New("the docker schema refers to no other package")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPackages
}
