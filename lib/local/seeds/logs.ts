/**
 * Demo logs for `npm start` (the example app's weekly cleanup): one object a day for the 60 days
 * before local time starts, under `logs/<yyyy>/<mm>/<dd>/`. The emulator stamps every object's
 * LastModified with the real time of the upload, so a cleanup by LastModified keeps them until a
 * simulation runs 30 days past the start. Runs only when the stack has the logs bucket
 * (`LOGS_BUCKET_NAME`).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SeedContext } from '../seed';

export function demoLogKeys(now: Date, days = 60): string[] {
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(now.getTime() - (i + 1) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '/');
    return `logs/${day}/app.log`;
  });
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const bucket = ctx.env('LOGS_BUCKET_NAME');
  if (!bucket) return;
  const s3 = new S3Client(ctx.clientConfig);
  const keys = demoLogKeys(ctx.now);
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `demo log for ${key.slice(5, 15)}\n`, ContentType: 'text/plain' }));
  }
  return `${keys.length} log objects under logs/`;
}
