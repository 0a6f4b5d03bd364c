/**
 * Customer-hash ranges, the daily recommendations' partitions. Pure.
 *
 * Orders carry their customer's shard (`sales-report/customer-shard.ts`, re-exported here): the
 * orders table's `byCustomerShard` index returns a shard's orders grouped by customer, so a worker
 * streams its customers one at a time. A partition is a contiguous range of shards.
 */

export { customerIndexAttributes, fnv1a32, ORDERS_BY_CUSTOMER_SHARD_INDEX, SHARD_COUNT, shardKey, shardOf } from '../sales-report/customer-shard';
import { SHARD_COUNT, shardKey } from '../sales-report/customer-shard';

/** One partition: shards `from` to `to`, both included. */
export interface ShardRange {
  /** The partition's key in the manifest and in its done marker, e.g. `shards-0000-0063`. */
  readonly key: string;
  readonly from: number;
  readonly to: number;
}

/** Splits the shards into `count` contiguous ranges as equal as can be (sizes differ by at most 1). */
export function shardRanges(count: number): ShardRange[] {
  if (!Number.isInteger(count) || count < 1 || count > SHARD_COUNT) {
    throw new RangeError(`partitions must be an integer from 1 to ${SHARD_COUNT} (got ${count})`);
  }
  const ranges: ShardRange[] = [];
  for (let p = 0; p < count; p++) {
    const from = Math.floor((p * SHARD_COUNT) / count);
    const to = Math.floor(((p + 1) * SHARD_COUNT) / count) - 1;
    ranges.push({ key: `shards-${shardKey(from)}-${shardKey(to)}`, from, to });
  }
  return ranges;
}
