import { describe, expect, it } from 'vitest';
import { actor, generatedKey, parseAt, parseCount, parseJsonFlag, parseZone } from '../../../tools/cli/args';
import { CliUsageError } from '../../../tools/cli/errors';

const NOW = new Date('2026-03-27T12:00:00Z');

describe('parseCount', () => {
  it('accepts whole numbers within the bounds', () => {
    expect(parseCount('-n', '10', 1, 1000)).toBe(10);
    expect(parseCount('-n', ' 1 ', 1, 1000)).toBe(1);
    expect(parseCount('-n', '1000', 1, 1000)).toBe(1000);
  });

  it.each([
    ['0', "-n: expected a whole number from 1 to 1000, got '0'"],
    ['1001', "-n: expected a whole number from 1 to 1000, got '1001'"],
    ['2.5', "-n: expected a whole number from 1 to 1000, got '2.5'"],
    ['ten', "-n: expected a whole number from 1 to 1000, got 'ten'"],
    ['-3', "-n: expected a whole number from 1 to 1000, got '-3'"],
  ])('rejects %s as a usage error', (text, message) => {
    expect(() => parseCount('-n', text, 1, 1000)).toThrow(new CliUsageError(message));
    expect(() => parseCount('-n', text, 1, 1000)).toThrow(CliUsageError);
  });
});

describe('parseJsonFlag', () => {
  it('parses JSON values', () => {
    expect(parseJsonFlag('--payload', '{"olderThanDays":7}')).toEqual({ olderThanDays: 7 });
    expect(parseJsonFlag('--payload', '[1,2]')).toEqual([1, 2]);
  });

  it('names the flag, an example and what came', () => {
    let error: unknown;
    try {
      parseJsonFlag('--payload', "{olderThanDays: 7}");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliUsageError);
    expect((error as Error).name).toBe('CliUsageError');
    expect((error as Error).message).toMatch(/^--payload: expected JSON such as '\{"olderThanDays":7\}', got '\{olderThanDays: 7\}' \(.+\)$/);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('parseZone', () => {
  it('accepts IANA zones and rejects the rest naming the flag', () => {
    expect(parseZone('--tz', 'Europe/Paris')).toBe('Europe/Paris');
    expect(() => parseZone('--tz', 'Mars/Olympus')).toThrow(/^--tz: unknown time zone 'Mars\/Olympus'/);
  });
});

describe('parseAt', () => {
  it('reads instants with an offset', () => {
    expect(parseAt('2026-12-01T09:00:00Z', 'UTC', NOW).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(parseAt('2026-12-01T09:00+01:00', 'UTC', NOW).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseAt('2026-12-01T09:00:30.250-05:00', 'UTC', NOW).toISOString()).toBe('2026-12-01T14:00:30.250Z');
  });

  it('reads a wall clock in the zone, through daylight saving time', () => {
    // Paris: CET (+01:00) in winter, CEST (+02:00) from 29 March 2026 01:00 UTC.
    expect(parseAt('2026-12-01T09:00', 'Europe/Paris', NOW).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseAt('2026-07-01 09:00:15', 'Europe/Paris', NOW).toISOString()).toBe('2026-07-01T07:00:15.000Z');
    expect(parseAt('2026-07-01T09:00', 'UTC', NOW).toISOString()).toBe('2026-07-01T09:00:00.000Z');
  });

  it('reads delays from now', () => {
    expect(parseAt('+90s', 'UTC', NOW).toISOString()).toBe('2026-03-27T12:01:30.000Z');
    expect(parseAt('+10m', 'UTC', NOW).toISOString()).toBe('2026-03-27T12:10:00.000Z');
    expect(parseAt('+2h', 'UTC', NOW).toISOString()).toBe('2026-03-27T14:00:00.000Z');
    expect(parseAt('+3d', 'Europe/Paris', NOW).toISOString()).toBe('2026-03-30T12:00:00.000Z');
  });

  it.each(['tomorrow', '2026-02-30T09:00', '2026-12-01T24:00Z', '2026-12-01', '+10', '10m', '2026-13-01T09:00:00Z'])(
    'rejects %s with the accepted forms',
    (text) => {
      expect(() => parseAt(text, 'UTC', NOW)).toThrow(
        new CliUsageError(
          "--at: expected an instant ('2026-12-01T09:00:00Z'), a wall clock in --tz ('2026-12-01T09:00') or a delay from now ('+10m', '+2h', '+3d'), " +
            `got '${text}'`,
        ),
      );
    },
  );
});

describe('generatedKey', () => {
  it('is cli- and eight hex digits of a UUID', () => {
    expect(generatedKey(() => '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0')).toBe('cli-0f1e2d3c');
    expect(generatedKey()).toMatch(/^cli-[0-9a-f]{8}$/);
  });
});

describe('actor', () => {
  it('is --by when given, else user@host', () => {
    expect(actor(' alice ', {}, 'laptop')).toBe('alice');
    expect(actor(undefined, { USER: 'bob' }, 'laptop')).toBe('bob@laptop');
    expect(actor(undefined, { LOGNAME: 'carol' }, 'ci')).toBe('carol@ci');
    expect(actor(undefined, {}, 'ci')).toBe('unknown@ci');
  });

  it('rejects an empty --by', () => {
    expect(() => actor('  ', {}, 'laptop')).toThrow(new CliUsageError("--by: expected a name such as 'alice', got ''"));
  });
});
