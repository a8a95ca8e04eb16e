// Package local serves command:local:Command and command:local:run: a command run on the machine that runs Pulumi.
package local

import (
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// Logging selects which output streams reach the engine's log (command:local:Logging).
type Logging string

// Values makes Logging an enum in the schema, with the SDK's four members.
func (Logging) Values() []infer.EnumValue[Logging] { return shell.LoggingValues[Logging]() }

func (l *Logging) shell() shell.Logging {
	if l == nil {
		return ""
	}
	return shell.Logging(*l)
}

// BaseInputs are the inputs that Command and run share.
type BaseInputs struct {
	Stdin                  *string            `pulumi:"stdin,optional"`
	Logging                *Logging           `pulumi:"logging,optional"`
	Interpreter            *[]string          `pulumi:"interpreter,optional"`
	Dir                    *string            `pulumi:"dir,optional"`
	Environment            *map[string]string `pulumi:"environment,optional"`
	AssetPaths             *[]string          `pulumi:"assetPaths,optional"`
	ArchivePaths           *[]string          `pulumi:"archivePaths,optional"`
	AddPreviousOutputInEnv *bool              `pulumi:"addPreviousOutputInEnv,optional"`
}

// Annotate documents the shared inputs in the schema.
func (b *BaseInputs) Annotate(a infer.Annotator) {
	a.Describe(&b.Stdin, "Pass a string to the command's process as standard in")
	a.Describe(&b.Logging, "If the command's stdout and stderr should be logged. Defaults to logging both.")
	a.Describe(&b.Interpreter, "The program and arguments to run the command. Defaults to [\"/bin/sh\", \"-c\"].")
	a.Describe(&b.Dir, "The directory from which to run the command. Defaults to Pulumi's working directory.")
	a.Describe(&b.Environment, "Additional environment variables available to the command's process.")
	a.Describe(&b.AssetPaths, "Glob patterns (relative to dir) of files to return as assets after the command ran; `!` excludes, `**` crosses directories.")
	a.Describe(&b.ArchivePaths, "Glob patterns (relative to dir) of files to return as one archive after the command ran; same rules as assetPaths.")
	a.Describe(&b.AddPreviousOutputInEnv, "Put the previous run's stdout and stderr in PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR. Defaults to true.")
}

// BaseOutputs are what a run produces.
type BaseOutputs struct {
	Stdout  string                            `pulumi:"stdout"`
	Stderr  string                            `pulumi:"stderr"`
	Assets  *map[string]*types.AssetOrArchive `pulumi:"assets,optional"`
	Archive *resource.Archive                 `pulumi:"archive,optional"`
}

// Annotate documents the outputs in the schema.
func (b *BaseOutputs) Annotate(a infer.Annotator) {
	a.Describe(&b.Stdout, "The standard output of the command's process (without its final newline)")
	a.Describe(&b.Stderr, "The standard error of the command's process (without its final newline)")
	a.Describe(&b.Assets, "The files matched by assetPaths, keyed by their path relative to dir")
	a.Describe(&b.Archive, "An archive of the files matched by archivePaths")
}

var baseKeys = []string{"stdin", "logging", "interpreter", "dir", "environment", "assetPaths", "archivePaths", "addPreviousOutputInEnv"}

// checkBase refuses what would fail at run time only after other resources were created.
func checkBase(in BaseInputs) []p.CheckFailure {
	var f []p.CheckFailure
	if in.Interpreter != nil && len(*in.Interpreter) == 0 {
		f = append(f, p.CheckFailure{Property: "interpreter", Reason: "interpreter is an empty list: give the program and its arguments, e.g. [\"/bin/sh\", \"-c\"], or leave it unset"})
	}
	if in.Environment != nil {
		for k := range *in.Environment {
			if k == "" || containsAny(k, "=\x00") {
				f = append(f, p.CheckFailure{Property: "environment." + k, Reason: fmt.Sprintf("environment variable name %q is not valid: it must be non-empty without '=' or NUL", k)})
			}
		}
	}
	for _, g := range [][]string{deref(in.AssetPaths), deref(in.ArchivePaths)} {
		for _, pat := range g {
			if _, err := compileGlob(pat); err != nil {
				name := "assetPaths"
				if in.ArchivePaths != nil && containsStr(*in.ArchivePaths, pat) {
					name = "archivePaths"
				}
				f = append(f, p.CheckFailure{Property: name, Reason: err.Error()})
			}
		}
	}
	return f
}

func deref(s *[]string) []string {
	if s == nil {
		return nil
	}
	return *s
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, x := range s {
			if x == c {
				return true
			}
		}
	}
	return false
}
