package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// commandLine is the argv of a run: the interpreter (default /bin/sh -c) followed by the command text.
func commandLine(in BaseInputs, command string) []string {
	argv := []string{"/bin/sh", "-c"}
	if in.Interpreter != nil && len(*in.Interpreter) > 0 {
		argv = append([]string(nil), (*in.Interpreter)...)
	}
	return append(argv, command)
}

// environment is the provider's own environment, then the inputs' variables, then the previous output.
func environment(base []string, in BaseInputs, prev BaseOutputs) []string {
	env := append([]string(nil), base...)
	if in.Environment != nil {
		keys := make([]string, 0, len(*in.Environment))
		for k := range *in.Environment {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, k+"="+(*in.Environment)[k])
		}
	}
	if in.AddPreviousOutputInEnv == nil || *in.AddPreviousOutputInEnv {
		if prev.Stdout != "" {
			env = append(env, shell.PreviousStdout+"="+prev.Stdout)
		}
		if prev.Stderr != "" {
			env = append(env, shell.PreviousStderr+"="+prev.Stderr)
		}
	}
	return env
}

// run executes command and fills out (stdout, stderr, assets, archive); out also holds the previous output.
func run(ctx context.Context, command string, in BaseInputs, out *BaseOutputs) error {
	argv := commandLine(in, command)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if in.Dir != nil && *in.Dir != "" {
		cmd.Dir = *in.Dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		cmd.Dir = wd
	}
	if st, err := os.Stat(cmd.Dir); err != nil || !st.IsDir() {
		return fmt.Errorf("dir %q is not a directory on this machine: create it or change the dir input", cmd.Dir)
	}
	cmd.Env = environment(os.Environ(), in, *out)
	if in.Stdin != nil && *in.Stdin != "" {
		cmd.Stdin = strings.NewReader(*in.Stdin)
	}
	c := shell.NewCapture(ctx)
	cmd.Stdout, cmd.Stderr = c.Writers(in.Logging.shell())
	err := cmd.Run()
	c.Close()
	if err != nil {
		return shell.RunError(err, command, c.Combined())
	}
	out.Stdout, out.Stderr = shell.Trimmed(&c.Stdout), shell.Trimmed(&c.Stderr)
	out.Assets, out.Archive = nil, nil
	if in.AssetPaths != nil {
		assets, err := collect(cmd.Dir, *in.AssetPaths)
		if err != nil {
			return fmt.Errorf("assetPaths: %w", err)
		}
		m := map[string]*types.AssetOrArchive{}
		for rel, a := range assets {
			m[rel] = &types.AssetOrArchive{Asset: a}
		}
		out.Assets = &m
	}
	if in.ArchivePaths != nil {
		assets, err := collect(cmd.Dir, *in.ArchivePaths)
		if err != nil {
			return fmt.Errorf("archivePaths: %w", err)
		}
		members := map[string]any{}
		for rel, a := range assets {
			members[rel] = a
		}
		arch, err := resource.NewAssetArchive(members)
		if err != nil {
			return fmt.Errorf("archivePaths: %w", err)
		}
		out.Archive = arch
	}
	return nil
}

// collect returns a path asset for every regular file under dir that the ordered glob rules keep.
func collect(dir string, patterns []string) (map[string]*resource.Asset, error) {
	files, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	keep, err := selectFiles(files, patterns)
	if err != nil {
		return nil, err
	}
	out := map[string]*resource.Asset{}
	for _, rel := range keep {
		a, err := resource.NewPathAsset(path.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		out[rel] = a
	}
	return out, nil
}
