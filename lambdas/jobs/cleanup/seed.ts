/**
 * Local-mode demo data (`cdk-jobs dev`): application logs under `logs/` in the logs bucket, one object
 * per service and day for the 45 UTC days before local time starts, the day it starts and the 14
 * after it, named by their day (`logs/<service>/<yyyy>/<mm>/<dd>/<service>.log`). The days ahead stand
 * for the logs the applications would keep writing during a simulated fortnight (the seed runs once,
 * at the start), so the nightly log archive has a day to bundle every night. Runs only when the stack
 * has the logs bucket (found through `LOGS_BUCKET_NAME`). Not part of any bundle.
 *
 * What the weekly cleanup does with them depends on its payload: with a `keyDatePattern` matching
 * these keys it deletes the days wholly older than its cutoff; by LastModified (the example
 * stack's mode) every object is as new as the seeding itself, since the emulator cannot back-date
 * an object, so the cleanup lists them all and keeps them.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SeedContext } from '../../runtime/testing';

const DAYS_BEFORE = 45;
const DAYS_AHEAD = 14;
const SERVICES = ['api', 'worker'];
const DAY_MS = 86_400_000;

/** A log object as the seed writes it. */
export interface DemoLogObject {
  readonly key: string;
  readonly body: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The demo log objects: deterministic for a given start instant, oldest day first. */
export function demoLogObjects(now: Date): DemoLogObject[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const objects: DemoLogObject[] = [];
  for (let d = DAYS_BEFORE; d >= -DAYS_AHEAD; d--) {
    const day = new Date(today - d * DAY_MS);
    const path = `${day.getUTCFullYear()}/${pad(day.getUTCMonth() + 1)}/${pad(day.getUTCDate())}`;
    const date = day.toISOString().slice(0, 10);
    for (const service of SERVICES) {
      const lines = [0, 6, 12, 18].map((hour) => `${date}T${pad(hour)}:00:00.000Z INFO ${service} heartbeat requests=${(((d * 37 + hour) % 500) + 500) % 500}`);
      objects.push({ key: `logs/${service}/${path}/${service}.log`, body: `${lines.join('\n')}\n` });
    }
  }
  return objects;
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const bucket = ctx.env('LOGS_BUCKET_NAME');
  if (!bucket) return;
  const s3 = new S3Client(ctx.clientConfig);
  const objects = demoLogObjects(ctx.now);
  for (let i = 0; i < objects.length; i += 10) {
    await Promise.all(
      objects.slice(i, i + 10).map((o) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body, ContentType: 'text/plain' }))),
    );
  }
  return `${objects.length} log objects under logs/ for the ${DAYS_BEFORE} days before ${ctx.now.toISOString().slice(0, 10)}, that day and the ${DAYS_AHEAD} after it`;
}
