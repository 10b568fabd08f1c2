// The demo's fixed passwords pass the default password policy with each employee's own words, so
// the demo shows the policy working rather than tripping over it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordContextFor } from '../app/services.ts';
import { configSchema } from '../config/schema.ts';
import { createPasswordPolicy, evaluatePasswordRules, failedChecks } from '../passwords/policy.ts';
import { demoEmployees } from './demo-organisation.ts';

describe('demo organisation', () => {
  const config = configSchema.parse({});
  const policy = createPasswordPolicy(config.passwordPolicy);

  it('every demo password passes the default policy', () => {
    assert.ok(demoEmployees.length > 5);
    for (const employee of demoEmployees) {
      const context = passwordContextFor(config, { id: employee.username, ...employee });
      const failed = failedChecks(evaluatePasswordRules(employee.password, context, policy)).map((c) => c.rule);
      assert.deepEqual(failed, [], `${employee.username}: ${failed.join(', ')}`);
    }
  });

  it('the policy would refuse a demo password with the employee name in it', () => {
    const [first] = demoEmployees;
    assert.ok(first !== undefined);
    const context = passwordContextFor(config, { id: first.username, ...first });
    const result = evaluatePasswordRules(`${first.username}-Kanelbulle-9`, context, policy);
    assert.deepEqual(
      failedChecks(result).map((c) => c.rule),
      ['notPersonal'],
    );
  });
});
