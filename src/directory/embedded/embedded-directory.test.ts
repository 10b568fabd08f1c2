// The Directory contract (directory.contract.ts) run on the embedded directory, on SQLite and on
// a real PostgreSQL. The embedded-only behaviour is tested beside it: embedded-sign-in.test.ts,
// embedded-passwords.test.ts and embedded-management.test.ts; account-input.test.ts for input.

import assert from 'node:assert/strict';
import { ManualClock } from '../../domain/clock.ts';
import { directoryContract } from '../directory.contract.ts';
import { backends, makeDirectory } from './embedded-directory.test-support.ts';
import { addToGroup } from './embedded-groups.ts';

for (const backend of backends) {
  directoryContract(`embedded on ${backend.name}`, async () => {
    const { open, cleanup } = await backend.open();
    const clock = new ManualClock();
    const directory = makeDirectory(open.db, clock, { embedded: { lockoutThreshold: 3, historySize: 3, maxPasswordAgeDays: 90 } });
    return {
      directory,
      lockoutThreshold: 3,
      now: () => clock.now(),
      async passTime(ms) {
        clock.advance(ms);
      },
      async createAccount(spec) {
        const created = await directory.createAccount(
          { username: spec.username, email: spec.email, displayName: spec.username, department: spec.department },
          spec.password,
        );
        if (spec.mustChange) await directory.requireChange(created.id);
        if (spec.privileged) await directory.setPrivileged(created.id, true);
        if (spec.disabled) await directory.setDisabled(created.id, true);
        return created;
      },
      async createGroup(name, members) {
        // A group exists through its members; the embedded directory has no groups in groups.
        assert.equal(members.groups?.length ?? 0, 0, 'the embedded directory has no nested groups');
        await addToGroup(
          open.db,
          name,
          members.accounts.map((a) => a.id),
        );
        return name;
      },
      hasNestedGroups: false,
      unknownGroup: 'Ingen sådan grupp',
      canLock: true,
      cleanup,
    };
  });
}
