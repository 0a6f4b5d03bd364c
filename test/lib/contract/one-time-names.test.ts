import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyHash, oneTimeEnvNames, oneTimeNamePrefix, oneTimeScheduleName } from '../../../lib/contract/one-time-names';

// An independent base32 (RFC 4648 alphabet, lower case) of the first 70 bits of SHA-256,
// through BigInt rather than the bit buffer the code uses.
function expectedHash(key: string): string {
  const hex = createHash('sha256').update(key, 'utf8').digest('hex');
  const first72 = BigInt(`0x${hex.slice(0, 18)}`); // 72 bits
  const first70 = first72 >> 2n;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (let i = 13; i >= 0; i--) out += alphabet[Number((first70 >> BigInt(i * 5)) & 31n)];
  return out;
}

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

describe('oneTimeScheduleName', () => {
  it('is <job>.<readable key>.<hash of the whole key>', () => {
    expect(keyHash('sub-123')).toBe(expectedHash('sub-123'));
    expect(oneTimeScheduleName('payment-reminder', 'sub-123')).toBe(`payment-reminder.sub-123.${expectedHash('sub-123')}`);
  });

  it('replaces characters Scheduler does not accept in the readable part, and the hash tells look-alikes apart', () => {
    const a = oneTimeScheduleName('birthday-emails', 'user/42:2027');
    const b = oneTimeScheduleName('birthday-emails', 'user:42/2027');
    expect(a).toBe(`birthday-emails.user_42_2027.${expectedHash('user/42:2027')}`);
    expect(b).toBe(`birthday-emails.user_42_2027.${expectedHash('user:42/2027')}`);
    expect(a).not.toBe(b);
  });

  it('cuts the readable part to stay within 64 characters, and drops it when a 48-character job name leaves no room', () => {
    const longKey = 'k'.repeat(256);
    const name = oneTimeScheduleName('payment-reminder', longKey);
    expect(name).toHaveLength(64);
    // 64 - 'payment-reminder.'(17) - '.'(1) - hash(14) = 32 readable characters
    expect(name).toBe(`payment-reminder.${'k'.repeat(32)}.${expectedHash(longKey)}`);

    const job48 = `a${'b'.repeat(47)}`;
    expect(oneTimeScheduleName(job48, 'sub-1')).toBe(`${job48}.${expectedHash('sub-1')}`);
    expect(oneTimeScheduleName(job48, 'sub-1')).toHaveLength(48 + 1 + 14);
  });

  it('keys sharing a 256-character prefix up to the last character still differ', () => {
    const base = 'x'.repeat(255);
    expect(oneTimeScheduleName('j', `${base}1`)).not.toBe(oneTimeScheduleName('j', `${base}2`));
  });

  it('is stable, valid, under the job prefix and distinct for distinct keys (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,47}$/),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 256, unit: 'binary' }), { minLength: 2, maxLength: 20 }),
        (job, keys) => {
          const names = keys.map((k) => oneTimeScheduleName(job, k));
          for (const [i, name] of names.entries()) {
            expect(name).toMatch(NAME);
            expect(name.startsWith(oneTimeNamePrefix(job))).toBe(true);
            expect(oneTimeScheduleName(job, keys[i]!)).toBe(name);
          }
          expect(new Set(names).size).toBe(keys.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a job's prefix never matches another job's names", () => {
    expect(oneTimeScheduleName('report-daily', 'x').startsWith(oneTimeNamePrefix('report'))).toBe(false);
  });
});

describe('oneTimeEnvNames', () => {
  it('derives one set of variables per job', () => {
    expect(oneTimeEnvNames('payment-reminder')).toEqual({
      group: 'ONCE_PAYMENT_REMINDER_GROUP',
      targetArn: 'ONCE_PAYMENT_REMINDER_TARGET_ARN',
      roleArn: 'ONCE_PAYMENT_REMINDER_ROLE_ARN',
      deadLetterArn: 'ONCE_PAYMENT_REMINDER_DEAD_LETTER_ARN',
      retryAttempts: 'ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS',
      maxEventAgeSeconds: 'ONCE_PAYMENT_REMINDER_MAX_EVENT_AGE_SECONDS',
    });
  });
});
