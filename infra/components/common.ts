/** Labels every kit container carries, so tests and operators can find a stack's containers. */
export function kitLabels(stack: string, role: string): { label: string; value: string }[] {
  return [
    { label: "queuekit.stack", value: stack },
    { label: "queuekit.role", value: role },
  ];
}
