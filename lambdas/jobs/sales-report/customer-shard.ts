/**
 * The orders table's customer-shard layout (index `byCustomerShard`): every order carries its
 * customer's shard (`customerShard`, FNV-1a 32 of the customer id modulo {@link SHARD_COUNT}, four
 * digits) and `customerOrder` (`<customerId>#<createdAt>`), so a Query of one shard returns its
 * orders grouped by customer. Pure. Used by whoever writes orders (the local-mode seed) and by
 * `daily-recommendations`, which partitions its work by ranges of shards.
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
