package local

import (
	"context"
	"errors"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// Run is the function command:local:run: a command run while the program runs, in preview too.
type Run struct{}

// RunInputs are the function's arguments.
type RunInputs struct {
	BaseInputs
	Command string `pulumi:"command"`
}

// RunOutputs are the arguments plus the run's result.
type RunOutputs struct {
	RunInputs
	BaseOutputs
}

// Annotate sets the function's token (`run`, lower case, like the SDK's) and its description.
func (r *Run) Annotate(a infer.Annotator) {
	a.SetToken("local", "run")
	a.Describe(&r, "A local command to be executed. This command will always be run on any preview or deployment. Use `local.Command` to avoid duplicating executions.")
}

// Annotate documents the argument.
func (r *RunInputs) Annotate(a infer.Annotator) {
	a.Describe(&r.Command, "The command to run.")
}

// Invoke runs the command; an empty command is refused naming the argument.
func (*Run) Invoke(ctx context.Context, req infer.FunctionRequest[RunInputs]) (infer.FunctionResponse[RunOutputs], error) {
	out := RunOutputs{RunInputs: req.Input}
	if req.Input.Command == "" {
		return infer.FunctionResponse[RunOutputs]{}, errors.New("command:local:run: the argument `command` is empty: give the command line to run")
	}
	if f := checkBase(req.Input.BaseInputs); len(f) > 0 {
		return infer.FunctionResponse[RunOutputs]{}, errors.New("command:local:run: " + f[0].Property + ": " + f[0].Reason)
	}
	err := run(ctx, req.Input.Command, req.Input.BaseInputs, &out.BaseOutputs)
	return infer.FunctionResponse[RunOutputs]{Output: out}, err
}
