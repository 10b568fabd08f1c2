// Unit tests for the AD error mapping, with diagnostics as Samba 4.17 and Windows Server send them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  UnavailableCriticalExtensionError,
  UnwillingToPerformError,
} from 'ldapts';
import { isNyckelError, NyckelError } from '../../domain/errors.ts';
import {
  adBindDataCodes,
  adPasswordRejectionOf,
  authenticationError,
  authenticationOutcomeOf,
  bindDataCode,
  toActiveDirectoryError,
  writeErrorCode,
} from './ad-errors.ts';

const bindFailure = (data: string) =>
  new InvalidCredentialsError(`80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1 Code: 0x31`);
const sambaPolicy = (reason: string) =>
  new ConstraintViolationError(`0000052D: Constraint violation - check_password_restrictions: ${reason} Code: 0x13`);

describe('bind data codes', () => {
  test('every data code maps to its outcome', () => {
    const expected: Record<string, string> = {
      '525': 'invalid',
      '52e': 'invalid',
      '530': 'disabled',
      '531': 'disabled',
      '532': 'expired',
      '533': 'disabled',
      '701': 'disabled',
      '773': 'must_change',
      '775': 'locked',
    };
    assert.deepEqual(Object.keys(adBindDataCodes).sort(), Object.keys(expected).sort());
    for (const [data, outcome] of Object.entries(expected)) {
      assert.equal(bindDataCode(bindFailure(data)), data);
      assert.equal(authenticationOutcomeOf(bindFailure(data)), outcome, `data ${data}`);
    }
  });

  test('upper case and leading zeros are read the same', () => {
    assert.equal(bindDataCode(bindFailure('0000052E')), '52e');
    assert.equal(authenticationOutcomeOf(bindFailure('00000775')), 'locked');
  });

  test('a 49 without a known data code is a wrong password, never more', () => {
    assert.equal(authenticationOutcomeOf(new InvalidCredentialsError('Invalid credentials Code: 0x31')), 'invalid');
    assert.equal(authenticationOutcomeOf(bindFailure('9999')), 'invalid');
  });

  test('anything other than 49 is not an authentication outcome', () => {
    assert.equal(authenticationOutcomeOf(new Error('connect ECONNREFUSED 127.0.0.1:636')), null);
    assert.equal(authenticationOutcomeOf(new UnwillingToPerformError('00002035: unwilling Code: 0x35')), null);
  });

  test('authenticationError gives the domain error of each outcome', () => {
    assert.equal(authenticationError('locked', bindFailure('775')).code, 'account_locked');
    assert.equal(authenticationError('must_change').code, 'password_must_change');
    assert.equal(authenticationError('expired').code, 'password_expired');
    assert.equal(authenticationError('disabled').code, 'account_disabled');
    assert.equal(authenticationError('invalid').code, 'invalid_credentials');
    assert.equal(authenticationError('locked', bindFailure('775')).detail?.adData, '775');
  });
});

describe('password refusals (0000052D)', () => {
  test("Samba's reasons become the rule that was broken", () => {
    assert.deepEqual(adPasswordRejectionOf(sambaPolicy('the password is too short. It should be equal or longer than 7 characters!'), 24), {
      rule: 'too_short',
      minLength: 7,
    });
    assert.deepEqual(adPasswordRejectionOf(sambaPolicy('the password was already used (in history)!'), 24), {
      rule: 'in_history',
      historySize: 24,
    });
    assert.deepEqual(adPasswordRejectionOf(sambaPolicy('the password was already used (previous password)!'), 24), {
      rule: 'same_as_current',
    });
    const complexity = adPasswordRejectionOf(sambaPolicy('the password does not meet the complexity criteria!'), 24);
    assert.equal(complexity?.rule, 'directory_policy');
    assert.match(complexity?.rule === 'directory_policy' ? complexity.reason : '', /complexity/);
    const young = adPasswordRejectionOf(sambaPolicy('the password is too young to change!'), 24);
    assert.match(young?.rule === 'directory_policy' ? young.reason : '', /minimum password age/);
  });

  test("Windows AD's bare 0000052D (answered with 53) becomes a general directory_policy", () => {
    const windows = new UnwillingToPerformError('0000052D: SvcErr: DSID-031A1236, problem 5003 (WILL_NOT_PERFORM), data 0\n Code: 0x35');
    const rejection = adPasswordRejectionOf(windows, 24);
    assert.equal(rejection?.rule, 'directory_policy');
    assert.match(rejection?.rule === 'directory_policy' ? rejection.reason : '', /length, complexity, history/);
  });

  test('other errors are not password refusals', () => {
    assert.equal(
      adPasswordRejectionOf(
        new ConstraintViolationError(
          "00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match! Code: 0x13",
        ),
        24,
      ),
      null,
    );
    assert.equal(adPasswordRejectionOf(new InsufficientAccessError('00002098: no write property access Code: 0x32'), 24), null);
    assert.equal(adPasswordRejectionOf(new Error('0000052D: not an LDAP answer'), 24), null);
  });

  test('writeErrorCode reads the leading 8-digit code', () => {
    assert.equal(writeErrorCode(sambaPolicy('x')), '0000052D');
    assert.equal(writeErrorCode(new InvalidCredentialsError('no code here')), null);
  });
});

describe('toActiveDirectoryError', () => {
  const context = { historySize: 24 };

  test('a policy refusal is policy_violation with the rejection and the diagnostic', () => {
    const error = toActiveDirectoryError('set password', sambaPolicy('the password was already used (in history)!'), context);
    assert.equal(error.code, 'policy_violation');
    assert.deepEqual(error.detail?.rejection, { rule: 'in_history', historySize: 24 });
    assert.match(String(error.detail?.diagnostic), /^0000052D/);
  });

  test('a wrong old password (00000056) is invalid_credentials', () => {
    const error = toActiveDirectoryError(
      'change password',
      new ConstraintViolationError(
        "00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match! Code: 0x13",
      ),
      context,
    );
    assert.equal(error.code, 'invalid_credentials');
  });

  test("missing delegation, the hints control on Samba and plain LDAP are the set-up's fault, with a hint", () => {
    const rights = toActiveDirectoryError(
      'unlock',
      new InsufficientAccessError('00002098: Object CN=x has no write property access\n Code: 0x32'),
      context,
    );
    assert.equal(rights.code, 'directory_unavailable');
    assert.match(String(rights.detail?.hint), /lockoutTime and pwdLastSet/);
    const hints = toActiveDirectoryError('set password', new UnavailableCriticalExtensionError(' Code: 0xc'), context);
    assert.match(String(hints.detail?.hint), /policyHints to false/);
    const plain = toActiveDirectoryError(
      'set password',
      new UnwillingToPerformError('0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0 Code: 0x35'),
      context,
    );
    assert.match(String(plain.detail?.hint), /ldaps/);
  });

  test('a transport failure is directory_unavailable; a NyckelError passes through', () => {
    assert.equal(toActiveDirectoryError('ping', new Error('connect ECONNREFUSED 127.0.0.1:636'), context).code, 'directory_unavailable');
    const own = new NyckelError('account_not_found', 'x');
    assert.equal(toActiveDirectoryError('x', own, context), own);
    assert.ok(isNyckelError(toActiveDirectoryError('x', bindFailure('52e'), context), 'invalid_credentials'));
  });
});
