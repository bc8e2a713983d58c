/**
 * The `gatewatch` command line. Each subcommand is a module with `usage` and `run(argv)`; the
 * contract (DESIGN.md) is kept stable because scoring tools depend on it.
 */
import { UsageError } from './cli/args';

type Command = { usage: string; run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Command> = {
  parse: () => require('./cli/parse') as Command,
  analyze: () => require('./cli/analyze') as Command,
  share: () => require('./cli/share') as Command,
  check: () => require('./cli/check') as Command,
};

function help(): string {
  return ['usage: gatewatch <command> [options]', '', ...Object.values(COMMANDS).map((c) => c().usage), ''].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(help());
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`gatewatch: unknown command "${cmd}"\n\n${help()}`);
    return 2;
  }
  const command = load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gatewatch ${cmd}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`gatewatch ${cmd}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
