package remote

import (
	"context"
	"fmt"
	"sort"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// Logging selects which output streams reach the engine's log (command:remote:Logging).
type Logging string

// Values makes Logging an enum in the schema, with the SDK's four members.
func (Logging) Values() []infer.EnumValue[Logging] { return shell.LoggingValues[Logging]() }

// Command is command:remote:Command: create/update/delete commands run on a host over SSH.
type Command struct{}

// CommandInputs are the resource's inputs.
type CommandInputs struct {
	Connection             *Connection       `pulumi:"connection"                      provider:"secret"`
	Environment            map[string]string `pulumi:"environment,optional"`
	Triggers               *[]any            `pulumi:"triggers,optional"               provider:"replaceOnChanges"`
	Create                 *string           `pulumi:"create,optional"`
	Delete                 *string           `pulumi:"delete,optional"`
	Update                 *string           `pulumi:"update,optional"`
	Stdin                  *string           `pulumi:"stdin,optional"`
	Logging                *Logging          `pulumi:"logging,optional"`
	AddPreviousOutputInEnv *bool             `pulumi:"addPreviousOutputInEnv,optional"`
}

// CommandOutputs are the inputs plus what the last run printed.
type CommandOutputs struct {
	CommandInputs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

// secretProps are the inputs that may hold secrets: a failure never names them at the top level.
var secretProps = []string{"connection", "environment", "stdin", "create", "update", "delete", "source", "triggers"}

var commandKeys = []string{"connection", "environment", "triggers", "create", "delete", "update", "stdin", "logging", "addPreviousOutputInEnv"}

// Annotate documents the resource.
func (c *Command) Annotate(a infer.Annotator) {
	a.Describe(&c, "A command to run on a remote host. The connection is established via ssh.")
}

// Annotate documents the inputs.
func (c *CommandInputs) Annotate(a infer.Annotator) {
	a.Describe(&c.Connection, "The parameters with which to connect to the remote host. A change updates the resource in place.")
	a.Describe(&c.Environment, "Additional environment variables for the command, sent as SSH `env` requests: the server's sshd must accept them (AcceptEnv).")
	a.Describe(&c.Triggers, "Values whose change replaces the resource: the old delete runs and the new create runs.")
	a.Describe(&c.Create, "The command to run once on resource creation. If an update command is not given, it also runs on update.")
	a.Describe(&c.Delete, "The command to run on resource deletion.")
	a.Describe(&c.Update, "The command to run on update instead of create.")
	a.Describe(&c.Stdin, "Pass a string to the command's process as standard in")
	a.Describe(&c.Logging, "If the command's stdout and stderr should be logged. Defaults to logging both.")
	a.Describe(&c.AddPreviousOutputInEnv, "Send the previous run's stdout and stderr as PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR (needs AcceptEnv; a refusal only warns). Defaults to true.")
}

// Annotate documents the outputs.
func (c *CommandOutputs) Annotate(a infer.Annotator) {
	a.Describe(&c.Stdout, "The standard output of the command's process (without its final newline)")
	a.Describe(&c.Stderr, "The standard error of the command's process (without its final newline)")
}

// Check refuses unknown properties (also inside connection) and impossible connection values.
func (*Command) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CommandInputs], error) {
	in, failures, err := checkInputs[CommandInputs](ctx, req.NewInputs, commandKeys)
	failures = append(failures, shell.CheckLogging(req.NewInputs)...)
	for k := range in.Environment {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			failures = append(failures, p.CheckFailure{Property: "environment." + k, Reason: fmt.Sprintf("environment variable name %q is not valid: it must be non-empty without '=' or NUL", k)})
		}
	}
	return infer.CheckResponse[CommandInputs]{Inputs: in, Failures: shell.HideValues(failures, secretProps...)}, err
}

// Create runs `create` (nothing in preview, nothing when it is unset).
func (*Command) Create(ctx context.Context, req infer.CreateRequest[CommandInputs]) (infer.CreateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
	}
	err = state.run(ctx, *req.Inputs.Create)
	return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
}

// Update runs `update`, or `create` when update is unset; a new connection is simply used from now on.
func (*Command) Update(ctx context.Context, req infer.UpdateRequest[CommandInputs, CommandOutputs]) (infer.UpdateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	cmd := req.Inputs.Update
	if cmd == nil {
		cmd = req.Inputs.Create
	}
	if req.DryRun || cmd == nil {
		return infer.UpdateResponse[CommandOutputs]{Output: state}, nil
	}
	err := state.run(ctx, *cmd)
	return infer.UpdateResponse[CommandOutputs]{Output: state}, err
}

// Delete runs `delete` over the connection it was last run with.
func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandOutputs]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	s := req.State
	return infer.DeleteResponse{}, s.run(ctx, *s.Delete)
}

// run executes cmd in one SSH session and records its output.
func (c *CommandOutputs) run(ctx context.Context, cmd string) error {
	if c.Connection == nil {
		return fmt.Errorf("connection is not set: give the host to connect to")
	}
	client, err := c.Connection.Dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening an SSH session on %s: %w", c.Connection.endpoint(), err)
	}
	defer session.Close()
	keys := make([]string, 0, len(c.Environment))
	for k := range c.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := session.Setenv(k, c.Environment[k]); err != nil {
			return fmt.Errorf("environment: the server refused to set %s (%v): allow it with `AcceptEnv %s` in its sshd_config, or set it in the command itself", k, err, k)
		}
	}
	if c.AddPreviousOutputInEnv == nil || *c.AddPreviousOutputInEnv {
		for name, val := range map[string]string{shell.PreviousStdout: c.Stdout, shell.PreviousStderr: c.Stderr} {
			if val == "" {
				continue
			}
			if err := session.Setenv(name, val); err != nil {
				p.GetLogger(ctx).Warningf("addPreviousOutputInEnv: the server refused to set %s (%v): allow it with `AcceptEnv %s` in sshd_config, or set addPreviousOutputInEnv to false", name, err, name)
			}
		}
	}
	if c.Stdin != nil && *c.Stdin != "" {
		session.Stdin = strings.NewReader(*c.Stdin)
	}
	capture := shell.NewCapture(ctx)
	var logging shell.Logging
	if c.Logging != nil {
		logging = shell.Logging(*c.Logging)
	}
	session.Stdout, session.Stderr = capture.Writers(logging)
	err = session.Run(cmd)
	capture.Close()
	if err != nil {
		return shell.RunError(err, cmd, capture.Combined())
	}
	c.Stdout, c.Stderr = shell.Trimmed(&capture.Stdout), shell.Trimmed(&capture.Stderr)
	return nil
}

var (
	_ infer.CustomCheck[CommandInputs]                  = (*Command)(nil)
	_ infer.CustomUpdate[CommandInputs, CommandOutputs] = (*Command)(nil)
	_ infer.CustomDelete[CommandOutputs]                = (*Command)(nil)
)

// WireDependencies keeps infer's default (each input's secretness flows to the output of the same name) and adds
// that stdout and stderr are secret when the command text, its environment or its stdin are. The connection is
// always secret (the SDK marks it so) and does not make the output secret, as upstream.
func (*Command) WireDependencies(f infer.FieldSelector, args *CommandInputs, state *CommandOutputs) {
	mirror := func(out, in any) { f.OutputField(out).DependsOn(f.InputField(in).Secret()) }
	mirror(&state.Connection, &args.Connection)
	mirror(&state.Environment, &args.Environment)
	mirror(&state.Triggers, &args.Triggers)
	mirror(&state.Create, &args.Create)
	mirror(&state.Update, &args.Update)
	mirror(&state.Delete, &args.Delete)
	mirror(&state.Stdin, &args.Stdin)
	mirror(&state.Logging, &args.Logging)
	mirror(&state.AddPreviousOutputInEnv, &args.AddPreviousOutputInEnv)
	secretIn := []infer.InputField{
		f.InputField(&args.Create).Secret(), f.InputField(&args.Update).Secret(), f.InputField(&args.Delete).Secret(),
		f.InputField(&args.Environment).Secret(), f.InputField(&args.Stdin).Secret(),
	}
	f.OutputField(&state.Stdout).DependsOn(secretIn...)
	f.OutputField(&state.Stderr).DependsOn(secretIn...)
}

var _ infer.ExplicitDependencies[CommandInputs, CommandOutputs] = (*Command)(nil)
