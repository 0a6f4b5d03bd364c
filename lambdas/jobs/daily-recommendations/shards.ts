/**
 * Customer-hash ranges, the daily recommendations' partitions. Pure.
 *
 * Every order carries its customer's shard (`customerShard`, FNV-1a 32 of the customer id modulo
 * {@link SHARD_COUNT}, four digits) and `customerOrder` (`<customerId>#<createdAt>`): the orders
 * table's `byCustomerShard` index returns a shard's orders grouped by customer, so a worker streams
 * its customers one at a time. A partition is a contiguous range of shards.
 */

/** Shards customers are hashed into (the index's partition-key values). */
export const SHARD_COUNT = 1024;
/** Name of the orders table's index by customer shard. */
export const ORDERS_BY_CUSTOMER_SHARD_INDEX = 'byCustomerShard';

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard of a customer, 0 to SHARD_COUNT - 1. */
export function shardOf(customerId: string): number {
  return fnv1a32(customerId) % SHARD_COUNT;
}

/** A shard as the index stores it: four digits. */
export function shardKey(shard: number): string {
  return String(shard).padStart(4, '0');
}

/**
 * The attributes an order item needs to appear in the `byCustomerShard` index. Whoever writes
 * orders adds them (the example app's seed does).
 */
export function customerIndexAttributes(order: { readonly customerId: string; readonly createdAt: string }): {
  customerShard: string;
  customerOrder: string;
} {
  return { customerShard: shardKey(shardOf(order.customerId)), customerOrder: `${order.customerId}#${order.createdAt}` };
}

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
