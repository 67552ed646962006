/** `syncsim schema`: the JSON Schema of scenario files. */
import { Command } from 'commander';
import { scenarioJsonSchema } from '../scenarios/scenario.ts';
import type { CommandContext } from './context.ts';

export function schemaCommand(context: CommandContext): Command {
  return new Command('schema')
    .description('Print the JSON Schema that scenario files are validated against')
    .addHelpText(
      'after',
      '\nExamples:\n  syncsim schema > scenario.schema.json\n  # then in my-scenario.json: { "$schema": "./scenario.schema.json", "name": "my-day", ... }',
    )
    .action(() => {
      context.console.out(JSON.stringify(scenarioJsonSchema(), null, 2));
    });
}
