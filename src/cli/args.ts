/** A small, strict argument parser: known flags only, clear errors. */
export interface ArgSpec {
  /** flag name without dashes → takes a value? */
  flags: Record<string, boolean>;
}

export interface Parsed {
  opts: Record<string, string | true>;
  files: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: ArgSpec): Parsed {
  const opts: Record<string, string | true> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-' || !a.startsWith('-')) { files.push(a); continue; }
    if (a === '--') { files.push(...argv.slice(i + 1)); break; }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    if (!(name in spec.flags)) throw new UsageError(`unknown option --${name}`);
    if (spec.flags[name]) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
        value = argv[++i]!;
      }
      opts[name] = value;
    } else {
      opts[name] = true;
    }
  }
  return { opts, files };
}
