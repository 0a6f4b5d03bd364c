/**
 * Pure helpers for the state-table adapter (`state-store.ts`): update expressions with their
 * placeholders, and the test for a failed write condition.
 */

/** True for the error DynamoDB returns when a write's condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** `#name` placeholders for every `#word` token in the expressions. */
export function namesIn(...expressions: (string | undefined)[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) {
    for (const match of expression?.matchAll(/#(\w+)/g) ?? []) names[match[0]] = match[1];
  }
  return names;
}

/** What an update sets, adds and removes, and the condition it is made under. */
export interface UpdateSpec {
  /** Attributes to set; `undefined` values are left out. */
  readonly set?: Record<string, unknown>;
  /** Numbers to add to. */
  readonly add?: Record<string, number>;
  /** Attributes to remove. */
  readonly remove?: readonly string[];
  /** A condition written with `#attribute` names and `:value` placeholders. */
  readonly condition?: string;
  /** The `:value` placeholders of the condition. */
  readonly conditionValues?: Record<string, unknown>;
}

/** Builds an UpdateExpression with placeholders; `undefined` values in `set` are left out. */
export function buildUpdate(spec: UpdateSpec) {
  const values: Record<string, unknown> = { ...spec.conditionValues };
  const clauses: string[] = [];
  const set = Object.entries(spec.set ?? {}).filter(([, value]) => value !== undefined);
  if (set.length > 0) {
    clauses.push(`SET ${set.map(([name]) => `#${name} = :set_${name}`).join(', ')}`);
    for (const [name, value] of set) values[`:set_${name}`] = value;
  }
  const add = Object.entries(spec.add ?? {});
  if (add.length > 0) {
    clauses.push(`ADD ${add.map(([name]) => `#${name} :add_${name}`).join(', ')}`);
    for (const [name, value] of add) values[`:add_${name}`] = value;
  }
  if (spec.remove && spec.remove.length > 0) clauses.push(`REMOVE ${spec.remove.map((name) => `#${name}`).join(', ')}`);
  const UpdateExpression = clauses.join(' ');
  return {
    UpdateExpression,
    ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
    ExpressionAttributeNames: namesIn(UpdateExpression, spec.condition),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}
