package local

import (
	"context"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// Command is command:local:Command: create/update/delete commands run on the machine that runs Pulumi.
type Command struct{}

// CommandInputs are the resource's inputs.
type CommandInputs struct {
	BaseInputs
	Triggers *[]any  `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Create   *string `pulumi:"create,optional"`
	Delete   *string `pulumi:"delete,optional"`
	Update   *string `pulumi:"update,optional"`
}

// CommandOutputs are the inputs plus what the last run produced.
type CommandOutputs struct {
	CommandInputs
	BaseOutputs
}

// Annotate documents the resource in the schema.
func (c *Command) Annotate(a infer.Annotator) {
	a.Describe(&c, "A local command to be executed.\n\nThis command can be inserted into the life cycles of other resources using the `dependsOn` or `parent` resource options. A command is considered to have failed when it finished with a non-zero exit code. This will fail the CRUD step of the `Command` resource.")
}

// Annotate documents the inputs.
func (c *CommandInputs) Annotate(a infer.Annotator) {
	a.Describe(&c.Triggers, "Values whose change replaces the resource: the old delete runs and the new create runs. Any value (strings, numbers, assets, archives, resource ids).")
	a.Describe(&c.Create, "The command to run once on resource creation. If an update command is not given, it also runs on update.")
	a.Describe(&c.Delete, "The command to run on resource deletion. Its environment has PULUMI_COMMAND_STDOUT/STDERR of the last create or update.")
	a.Describe(&c.Update, "The command to run on update instead of create. Changes to triggers replace the resource instead.")
}

var commandKeys = append([]string{"triggers", "create", "delete", "update"}, baseKeys...)

// Check refuses unknown properties and values that cannot run, naming the property.
func (*Command) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CommandInputs], error) {
	failures := shell.UnknownKeys(req.NewInputs, commandKeys, "")
	failures = append(failures, shell.CheckLogging(req.NewInputs)...)
	in, f, err := infer.DefaultCheck[CommandInputs](ctx, shell.Strip(req.NewInputs, commandKeys))
	failures = append(failures, f...)
	if err == nil {
		failures = append(failures, checkBase(in.BaseInputs)...)
	}
	return infer.CheckResponse[CommandInputs]{Inputs: in, Failures: shell.HideValues(failures, "environment", "stdin", "create", "update", "delete", "triggers")}, err
}

// Create runs `create` (nothing in preview, nothing when it is unset).
func (*Command) Create(ctx context.Context, req infer.CreateRequest[CommandInputs]) (infer.CreateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
	}
	err = run(ctx, *req.Inputs.Create, state.BaseInputs, &state.BaseOutputs)
	return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
}

// Update runs `update`, or `create` when update is unset, with the previous output available.
func (*Command) Update(ctx context.Context, req infer.UpdateRequest[CommandInputs, CommandOutputs]) (infer.UpdateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs, BaseOutputs: req.State.BaseOutputs}
	cmd := req.Inputs.Update
	if cmd == nil {
		cmd = req.Inputs.Create
	}
	if req.DryRun || cmd == nil {
		return infer.UpdateResponse[CommandOutputs]{Output: state}, nil
	}
	err := run(ctx, *cmd, state.BaseInputs, &state.BaseOutputs)
	return infer.UpdateResponse[CommandOutputs]{Output: state}, err
}

// Delete runs `delete` with the inputs it was last run with.
func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandOutputs]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	out := req.State.BaseOutputs
	return infer.DeleteResponse{}, run(ctx, *req.State.Delete, req.State.BaseInputs, &out)
}

var (
	_ infer.CustomCheck[CommandInputs]                  = (*Command)(nil)
	_ infer.CustomUpdate[CommandInputs, CommandOutputs] = (*Command)(nil)
	_ infer.CustomDelete[CommandOutputs]                = (*Command)(nil)
)

// WireDependencies keeps infer's default (each input's secretness flows to the output of the same name) and adds
// that stdout and stderr are secret when the command text, its environment or its stdin are: what a secret
// command prints is as secret as the command.
func (*Command) WireDependencies(f infer.FieldSelector, args *CommandInputs, state *CommandOutputs) {
	mirror := func(out, in any) { f.OutputField(out).DependsOn(f.InputField(in).Secret()) }
	mirror(&state.Create, &args.Create)
	mirror(&state.Update, &args.Update)
	mirror(&state.Delete, &args.Delete)
	mirror(&state.Triggers, &args.Triggers)
	mirror(&state.Stdin, &args.Stdin)
	mirror(&state.Logging, &args.Logging)
	mirror(&state.Interpreter, &args.Interpreter)
	mirror(&state.Dir, &args.Dir)
	mirror(&state.Environment, &args.Environment)
	mirror(&state.AssetPaths, &args.AssetPaths)
	mirror(&state.ArchivePaths, &args.ArchivePaths)
	mirror(&state.AddPreviousOutputInEnv, &args.AddPreviousOutputInEnv)
	secretIn := []infer.InputField{
		f.InputField(&args.Create).Secret(), f.InputField(&args.Update).Secret(), f.InputField(&args.Delete).Secret(),
		f.InputField(&args.Environment).Secret(), f.InputField(&args.Stdin).Secret(),
	}
	f.OutputField(&state.Stdout).DependsOn(secretIn...)
	f.OutputField(&state.Stderr).DependsOn(secretIn...)
}

var _ infer.ExplicitDependencies[CommandInputs, CommandOutputs] = (*Command)(nil)
