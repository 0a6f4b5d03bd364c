import { GetAccountCommand, GetSuppressedDestinationCommand, NotFoundException, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SendPacer } from '../../../../lambdas/jobs/morning-promotions/pacer';
import { accountSendRate, isUnimplemented, suppressionOf } from '../../../../lambdas/jobs/morning-promotions/ses-account';

const sesMock = mockClient(SESv2Client);
afterEach(() => sesMock.reset());
const ses = () => new SESv2Client({});
/** What the SDK throws when an endpoint answers an operation it lacks with an HTML 404 (moto). */
const htmlNotFound = () => Object.assign(new SyntaxError("Unexpected token '<'"), { $metadata: { httpStatusCode: 404 } });

describe('SES account calls', () => {
  it('the send rate is GetAccount SendQuota.MaxSendRate', async () => {
    sesMock.on(GetAccountCommand).resolves({ SendQuota: { MaxSendRate: 14, Max24HourSend: 50_000, SentLast24Hours: 3 } });
    expect(await accountSendRate(ses())).toEqual({ rate: 14, fallback: false });
  });

  it('only an endpoint without the operation falls back; a modelled error (even a 404 NotFound) is not that', async () => {
    const notFound = new NotFoundException({ message: 'no such address', $metadata: { httpStatusCode: 404 } });
    expect(isUnimplemented(htmlNotFound())).toBe(true);
    expect(isUnimplemented(notFound)).toBe(false);
    sesMock.on(GetAccountCommand).rejects(htmlNotFound());
    expect(await accountSendRate(ses())).toEqual({ rate: 1, fallback: true });
    sesMock.on(GetAccountCommand).rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));
    await expect(accountSendRate(ses())).rejects.toThrow('slow down');
  });

  it('suppression: found is suppressed, NotFoundException is not, other errors are thrown', async () => {
    sesMock
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'bounced@example.com' })
      .resolves({ SuppressedDestination: { EmailAddress: 'bounced@example.com', Reason: 'BOUNCE', LastUpdateTime: new Date() } })
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'fine@example.com' })
      .rejects(new NotFoundException({ message: 'not suppressed', $metadata: { httpStatusCode: 404 } }))
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'emulated@example.com' })
      .rejects(htmlNotFound())
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'busy@example.com' })
      .rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));
    expect(await suppressionOf(ses(), 'bounced@example.com')).toBe('suppressed');
    expect(await suppressionOf(ses(), 'fine@example.com')).toBe('not-suppressed');
    expect(await suppressionOf(ses(), 'emulated@example.com')).toBe('unchecked');
    await expect(suppressionOf(ses(), 'busy@example.com')).rejects.toThrow('slow down');
  });
});

describe('SendPacer', () => {
  it('spaces starts 1000 / rate ms apart and does not wait when the time has passed', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new SendPacer(4, { now: () => now, sleep: async (ms) => void sleeps.push(ms) });
    await pacer.take();
    await pacer.take();
    now = 10_000;
    await pacer.take();
    await pacer.take();
    expect(sleeps).toEqual([250, 250]);
  });

  it('rejects a rate that is no positive number', () => {
    expect(() => new SendPacer(0)).toThrow("job 'morning-promotions': send rate must be a positive number of emails per second (got 0)");
  });
});
