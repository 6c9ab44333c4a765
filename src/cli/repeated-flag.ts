/** Every value of a repeatable string flag (citty keeps only the last one). */
export function repeatedFlag(rawArgs: string[], short: string, long: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === short || a === long) { if (i + 1 < rawArgs.length) values.push(rawArgs[++i]!); }
    else if (a.startsWith(`${long}=`)) values.push(a.slice(long.length + 1));
  }
  return values;
}
