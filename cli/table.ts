/** Prints rows as left-aligned columns, two spaces apart, the first row as the header. */
export function printTable(rows: readonly (readonly string[])[], out: (line: string) => void = (line) => console.log(line)): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) out(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}
