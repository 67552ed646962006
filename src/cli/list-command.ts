/** `syncsim list`: the built-in scenarios and what each shows. */
import { Command } from 'commander';
import { BUG_SCENARIOS, BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from '../scenarios/builtin/index.ts';
import type { CommandContext } from './context.ts';

/** Wraps text at `width` columns, indenting continuation lines. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n');
}

export function listCommand(context: CommandContext): Command {
  return new Command('list')
    .description('List the built-in scenarios with what each one shows')
    .option('--json', 'as JSON: name, description, devices, duration, thresholds')
    .addHelpText('after', '\nExamples:\n  syncsim list\n  syncsim list --json | jq -r .[].name')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        context.console.out(
          JSON.stringify(
            BUILTIN_SCENARIOS.map((s) => ({
              name: s.name,
              description: s.description,
              devices: s.devices.count,
              duration: s.duration,
              bug: BUG_SCENARIOS.includes(s.name),
              thresholds: s.thresholds ?? [],
            })),
            null,
            2,
          ),
        );
        return;
      }
      const width = Math.max(...BUILTIN_SCENARIOS.map((s) => s.name.length)) + 2;
      const blocks = BUILTIN_SCENARIOS.map((scenario) => {
        const tag =
          scenario.name === DEFAULT_SCENARIO
            ? ' (default)'
            : BUG_SCENARIOS.includes(scenario.name)
              ? ' (bug: fails under seed, passes under hardened)'
              : '';
        const size = `${scenario.devices.count} devices, ${scenario.duration}`;
        return `${scenario.name.padEnd(width)}${size}${tag}\n${' '.repeat(width)}${wrap(scenario.description ?? '', 100 - width, ' '.repeat(width))}`;
      });
      context.console.out(
        `${blocks.join('\n\n')}\n\nRun one: syncsim run <name> [--policy hardened] [--seed S]`,
      );
    });
}
