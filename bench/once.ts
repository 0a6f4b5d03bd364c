/**
 * `npm run bench -- once`: 2,000 one-time schedules created through `OneTimeScheduler.scheduleMany`
 * against a private moto_server, one at a time (`concurrency: 1`) and concurrently (the default),
 * side by side in one process, each into its own job (so both create 2,000 new schedules).
 *
 * Then: every schedule of both jobs is listed back (each key must appear exactly once), and the
 * concurrent batch is sent again, which must create nothing (every key already scheduled).
 * Last line: `BENCH once created=... duplicates=... ratio=...` where `created` counts the
 * schedules the concurrent run created and moto holds, `duplicates` counts names listed more than
 * once plus schedules the repeated batch created, and ratio = sequential time / concurrent time.
 */
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { localClientConfig, startEmulator } from '../tools/local/moto-server';
import { OneTimeScheduler, type OneTimeScheduleRequest } from '../lambdas/runtime/once';

const COUNT = 2_000;
const CONCURRENCY = 25;
const GROUP = 'bench-once';
/** Simulated network round trip for the second comparison, and how many schedules it creates per side. */
const RTT_MS = Number(process.env.BENCH_ONCE_RTT_MS ?? 20);
const RTT_COUNT = 500;

function items(prefix: string): OneTimeScheduleRequest[] {
  const base = Math.floor(Date.now() / 60_000) * 60_000 + 7 * 86_400_000;
  return Array.from({ length: COUNT }, (_, i) => ({
    key: `${prefix}-subscription-${i}`,
    at: new Date(base + (i % 1440) * 60_000),
    timeZone: i % 2 === 0 ? 'Europe/Paris' : 'America/New_York',
    payload: { subscriptionId: `sub-${i}`, expiresOn: '2027-03-01' },
  }));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ forceLocal: true });
  try {
    const client = new SchedulerClient(localClientConfig(emulator));
    await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
    const target = {
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:payment-reminder',
      roleArn: 'arn:aws:iam::123456789012:role/scheduler',
      deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:inbox',
    };
    const scheduler = (job: string) => new OneTimeScheduler({ client, job, group: GROUP, target });

    // Warm-up: connections, SDK and moto code paths.
    await scheduler('bench-warmup').scheduleMany(items('warmup').slice(0, 100), { concurrency: CONCURRENCY });

    const sequential = scheduler('bench-sequential');
    const concurrent = scheduler('bench-concurrent');
    const seq = await timed(() => sequential.scheduleMany(items('seq'), { concurrency: 1 }));
    const par = await timed(() => concurrent.scheduleMany(items('par'), { concurrency: CONCURRENCY }));

    const listedSeq = await sequential.list();
    const listedPar = await concurrent.list();
    const again = await concurrent.scheduleMany(items('par'), { concurrency: CONCURRENCY });

    const createdSeq = seq.value.filter((r) => r.created).length;
    const createdPar = par.value.filter((r) => r.created).length;
    const duplicateNames =
      listedSeq.length - new Set(listedSeq.map((s) => s.name)).size + (listedPar.length - new Set(listedPar.map((s) => s.name)).size);
    const duplicates = duplicateNames + again.filter((r) => r.created).length;
    const created = Math.min(createdPar, listedPar.length);
    const ratio = seq.ms / par.ms;

    // The same comparison with a simulated network round trip per request (a delay middleware on a
    // second client): against EventBridge Scheduler a request mostly waits on the network, which
    // concurrency overlaps; against moto on this machine it mostly burns the emulator's one CPU.
    const rttClient = new SchedulerClient(localClientConfig(emulator));
    rttClient.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, RTT_MS));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'simulatedRoundTrip' },
    );
    const rttScheduler = (job: string) => new OneTimeScheduler({ client: rttClient, job, group: GROUP, target });
    const rttItems = (prefix: string) => items(prefix).slice(0, RTT_COUNT);
    const seqRtt = await timed(() => rttScheduler('bench-rtt-sequential').scheduleMany(rttItems('seq-rtt'), { concurrency: 1 }));
    const parRtt = await timed(() => rttScheduler('bench-rtt-concurrent').scheduleMany(rttItems('par-rtt'), { concurrency: CONCURRENCY }));
    const rttCreated = [...seqRtt.value, ...parRtt.value].filter((r) => r.created).length;
    if (rttCreated !== 2 * RTT_COUNT) throw new Error(`expected ${2 * RTT_COUNT} schedules with a round trip, got ${rttCreated}`);
    const ratioRtt = seqRtt.ms / parRtt.ms;

    console.log(`sequential (concurrency 1): ${seq.ms.toFixed(0)} ms, created ${createdSeq}, listed ${listedSeq.length}`);
    console.log(`concurrent (concurrency ${CONCURRENCY}): ${par.ms.toFixed(0)} ms, created ${createdPar}, listed ${listedPar.length}`);
    console.log(`repeated concurrent batch: ${again.filter((r) => !r.created).length} already scheduled, ${again.filter((r) => r.created).length} created`);
    if (createdSeq !== COUNT || createdPar !== COUNT || listedSeq.length !== COUNT || listedPar.length !== COUNT) {
      throw new Error(`expected ${COUNT} schedules per run, got created ${createdSeq}/${createdPar}, listed ${listedSeq.length}/${listedPar.length}`);
    }
    console.log(
      `with a ${RTT_MS} ms round trip, ${RTT_COUNT} each: sequential ${seqRtt.ms.toFixed(0)} ms, concurrent ${parRtt.ms.toFixed(0)} ms`,
    );
    console.log(
      `BENCH once created=${created} duplicates=${duplicates} ratio=${ratio.toFixed(2)} ratio_rtt${RTT_MS}ms=${ratioRtt.toFixed(2)}`,
    );
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
