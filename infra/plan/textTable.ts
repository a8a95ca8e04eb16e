/** Columns padded to their widest cell; "r" columns (numbers) align right. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ("l" | "r")[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? "").length)));
  const line = (row: readonly string[]) =>
    widths
      .map((width, col) => (align[col] === "r" ? (row[col] ?? "").padStart(width) : (row[col] ?? "").padEnd(width)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
