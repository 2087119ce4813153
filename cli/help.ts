/**
 * help: the text of `nixmake help` (every command, one line each) and of
 * `nixmake help COMMAND` / `COMMAND --help` (the command, its description
 * and every option it takes), made from the command list. Pure.
 */
import type { CommandSpec, OptionSpec } from './commands.js';
import { COMMANDS, commandSpec } from './commands.js';

const optionName = (o: OptionSpec): string => `${o.flags.join(', ')}${o.value ? ` ${o.value}` : ''}`;

function synopsis(c: CommandSpec): string {
  const opts = c.options
    .filter((o) => o.flags[0] !== '--help')
    .map((o) => `[${o.flags[o.flags.length - 1]}${o.value ? ` ${o.value}` : ''}]`)
    .join(' ');
  return ['nixmake', c.name, opts, c.operands].filter((s) => s !== '').join(' ');
}

/** Words wrapped at `width` columns, each line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

export const USAGE = `usage: nixmake <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

nixmake help COMMAND (or nixmake COMMAND --help) describes a command and every option it takes.
`;

/** The help of one command, or undefined for a name that is no command. */
export function helpFor(name: string): string | undefined {
  const c = commandSpec(name);
  if (!c) return undefined;
  const width = Math.max(...c.options.map((o) => optionName(o).length), 0);
  const opts = c.options.map((o) => `  ${optionName(o).padEnd(width)}  ${wrap(o.help, 100 - width - 4, ' '.repeat(width + 4))}`);
  return `usage: ${synopsis(c)}\n\n${wrap(c.description, 80, '')}\n${opts.length > 0 ? `\noptions:\n${opts.join('\n')}\n` : ''}`;
}
