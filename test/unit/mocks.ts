// pulumi.runtime.setMocks that records every registered resource, for component and program tests.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Install the mocks for project "queuekit", stack `stack`; the returned list fills as resources register. */
export function recordResources(stack: string): Registered[] {
  const registered: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        // Commands' outputs exist from the start, as after a real run.
        return { id: `${args.name}-id`, state: { ...args.inputs, stdout: "", stderr: "" } };
      },
      call: (args) => args.inputs,
    },
    "queuekit",
    stack,
    false,
  );
  return registered;
}
