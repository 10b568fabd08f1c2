// `nyckel keys …`: the keys that encrypt authenticator seeds at rest. `rotate` adds a new key,
// re-encrypts every seed with it in one transaction and makes it current; old keys stay in the
// key file until `rotate --drop-old`. `status` shows the keys and how many secrets each protects.

import { countSecretsByKey, rotateSecretKeys } from '../methods/key-rotation.ts';
import { CLI_ACTOR, withServices } from './cli-services.ts';
import { type Command, CommandFailed, type CommandGroup, type CommandHelp, EXIT_OK, parseCommandLine } from './command-line.ts';

const rotateHelp: CommandHelp = {
  name: 'keys rotate',
  summary: 'add a new encryption key and re-encrypt every authenticator seed with it',
  usage: ['keys rotate [--drop-old]'],
  options: [
    ['--drop-old', 'after re-encrypting, remove the old keys from the key file (do this once backups made with them have expired)'],
  ],
  notes: [
    'The key file is secrets.keyFile (default secret-keys.json under dataDir). Running instances pick the new key up by themselves.',
    'Key material given by NYCKEL_SECRETS__KEYS_FILE is not changed by Nyckel: rotate by editing it.',
  ],
  examples: ['nyckel keys rotate', 'nyckel keys rotate --drop-old'],
};

const rotateCommand: Command = {
  help: rotateHelp,
  async run(args, context) {
    const parsed = parseCommandLine(args, context, rotateHelp, { 'drop-old': { type: 'boolean' } }, { min: 0, max: 0 });
    if (parsed === null) return EXIT_OK;
    return withServices(context, async (services) => {
      if (services.secretBox.source.kind !== 'file') {
        throw new CommandFailed(
          'the keys come from secrets.keys (NYCKEL_SECRETS__KEYS_FILE), which Nyckel does not change; rotate by editing that key material',
        );
      }
      const report = await rotateSecretKeys(
        { db: services.store.db, store: services.store, box: services.secretBox, clock: services.clock },
        { dropOld: parsed.values['drop-old'] === true, actor: CLI_ACTOR },
      );
      const out = context.io.stdout;
      out.write(`New key ${report.newKeyId} is now current.\n`);
      out.write(
        `Re-encrypted ${report.methods} authenticator seed${report.methods === 1 ? '' : 's'} and ${report.enrollments} pending enrolment${report.enrollments === 1 ? '' : 's'}.\n`,
      );
      if (report.dropped.length > 0)
        out.write(`Dropped ${report.dropped.length} old key${report.dropped.length === 1 ? '' : 's'}: ${report.dropped.join(', ')}.\n`);
      else if (parsed.values['drop-old'] !== true)
        out.write('Old keys are kept in the key file; remove them later with `nyckel keys rotate --drop-old`.\n');
      return EXIT_OK;
    });
  },
};

const statusHelp: CommandHelp = {
  name: 'keys status',
  summary: 'list the encryption keys and how many stored secrets each protects',
  usage: ['keys status'],
  examples: ['nyckel keys status'],
};

const statusCommand: Command = {
  help: statusHelp,
  async run(args, context) {
    if (parseCommandLine(args, context, statusHelp, {}, { min: 0, max: 0 }) === null) return EXIT_OK;
    return withServices(context, async (services) => {
      const box = services.secretBox;
      const counts = await countSecretsByKey(services.store.db, box);
      const out = context.io.stdout;
      out.write(`Keys from ${box.source.kind === 'file' ? box.source.path : 'secrets.keys'}:\n`);
      for (const [kid, n] of counts)
        out.write(`  ${kid}${kid === box.currentKeyId ? ' (current)' : ''}: ${n} secret${n === 1 ? '' : 's'}\n`);
      return EXIT_OK;
    });
  },
};

export const keysCommands: CommandGroup = {
  help: {
    name: 'keys',
    summary: 'manage the keys that encrypt authenticator seeds',
    usage: ['keys <command> [options]'],
    examples: ['nyckel keys status', 'nyckel keys rotate'],
  },
  subcommands: { rotate: rotateCommand, status: statusCommand },
};
