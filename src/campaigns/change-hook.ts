// Tells the campaigns at once when a password is changed through Nyckel (reset, change), so the
// progress doesn't wait for the job's refresh and a deadline block is lifted. A Proxy over the
// Directory: only setPassword and changePassword are wrapped, everything else (and any method an
// adapter adds later) passes through untouched. A password set with mustChange (a temporary one
// from the helpdesk) doesn't count: the user hasn't chosen their own yet.

import type { Directory } from '../directory/directory.ts';
import type { Logger } from '../observability/logger.ts';

export function withPasswordChangeHook(directory: Directory, onChanged: (accountId: string) => Promise<void>, logger: Logger): Directory {
  const notify = async (accountId: string) => {
    try {
      await onChanged(accountId);
    } catch (error) {
      // The change itself has happened; the job's refresh records it later.
      logger.warn({ err: error }, 'a password change could not be recorded for the campaigns');
    }
  };
  return new Proxy(directory, {
    get(target, property, receiver) {
      if (property === 'setPassword') {
        return async (id: string, newPassword: string, options?: { mustChange?: boolean }) => {
          await target.setPassword(id, newPassword, options);
          if (options?.mustChange !== true) await notify(id);
        };
      }
      if (property === 'changePassword') {
        return async (id: string, oldPassword: string, newPassword: string) => {
          await target.changePassword(id, oldPassword, newPassword);
          await notify(id);
        };
      }
      const value = Reflect.get(target, property, receiver);
      // Methods run on the adapter itself (its private fields need the real `this`).
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
