// LDAP controls Active Directory understands and ldapts doesn't ship.

import { type BerWriter, Control } from 'ldapts';

/** LDAP_SERVER_POLICY_HINTS_OID (MS-ADTS 3.1.1.3.4.1.27), Windows Server 2012 R2 and later. */
export const POLICY_HINTS_OID = '1.2.840.113556.1.4.2239';

/**
 * Asks Windows AD to apply the password history to a reset made by an administrator or service
 * (without it, a reset may reuse any earlier password). The value is
 * `SEQUENCE { Flags INTEGER }` with flag 1 = enforce. Samba answers 12 (unavailableCriticalExtension).
 */
export class PolicyHintsControl extends Control {
  constructor() {
    // Critical: if the DC can't honour it, the reset must fail rather than silently skip history.
    super(POLICY_HINTS_OID, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    writer.writeBuffer(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 0x04);
  }
}
