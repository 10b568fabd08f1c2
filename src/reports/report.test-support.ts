// Test support for the reports (and the jobs that read methods): a registered method written
// straight into the store, so a test sets up what it counts without each method's enrolment.

import type { SecurityMethodsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';

/** Stores a method of `kind` for the account: labelled with the kind, no target or secret, unless `fields` say otherwise. */
export async function addMethod(
  store: Pick<Store, 'db'>,
  id: string,
  accountId: string,
  kind: string,
  fields: Partial<SecurityMethodsTable> = {},
): Promise<void> {
  await store.db
    .insertInto('security_methods')
    .values({
      id,
      account_id: accountId,
      kind,
      label: kind,
      target: null,
      secret: null,
      is_default: 0,
      totp_last_step: null,
      credential_id: null,
      public_key: null,
      sign_count: null,
      transports: null,
      data: '{}',
      created_at: 0,
      last_used_at: null,
      ...fields,
    })
    .execute();
}
