// `nyckel demo`: creates the demo organisation ("Demo kommun") in the configured store and
// prints its sign-in details. Running it again adds nothing.

import { demoSummary, describeDemo, seedDemo } from '../demo/seed.ts';
import { CLI_ACTOR, loadCliConfig, withServices } from './cli-services.ts';
import { type Command, CommandFailed, type CommandHelp, EXIT_OK, parseCommandLine } from './command-line.ts';

const help: CommandHelp = {
  name: 'demo',
  summary: 'create the demo organisation and show its sign-in details',
  usage: ['demo [--config FILE]'],
  notes: [
    'Needs `demo: true` in the configuration (the built-in default has it): the demo accounts have',
    'published passwords, one of them privileged, so they never go into a production directory.',
  ],
  examples: ['nyckel demo', 'nyckel demo --config ./trial.yaml'],
};

export const demoCommand: Command = {
  help,
  async run(args, context) {
    if (parseCommandLine(args, context, help, {}, { min: 0, max: 0 }) === null) return EXIT_OK;
    // Published passwords in a real directory would be a way in: refuse unless this is a demo set-up.
    if (!loadCliConfig(context).config.demo) {
      throw new CommandFailed(
        'the configuration has demo: false; the demo organisation is only created when demo is true (trials, never production)',
      );
    }
    return withServices(context, async (services) => {
      const summary = await seedDemo(services, { actor: CLI_ACTOR });
      const out = context.io.stdout;
      if (summary === null) out.write('The demo organisation is already in the store; nothing was added.\n\n');
      else out.write(`Created the demo organisation: ${summary.created} account${summary.created === 1 ? '' : 's'}.\n\n`);
      out.write(describeDemo(summary ?? demoSummary()));
      return EXIT_OK;
    });
  },
};
