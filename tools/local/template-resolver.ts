/**
 * Resolves a synthesized CloudFormation template to local names: evaluates the intrinsic
 * functions (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If`,
 * conditions, mappings, pseudo parameters), orders the resources by their dependencies and names
 * each resource the way CloudFormation would (`<stack>-<logicalId>-<suffix>` unless the template
 * names it). Pure: no SDK, no file system. The provisioner feeds it what the emulator returned.
 */
import { createHash } from 'node:crypto';
import { ScheduledJobsError } from '../../lib/contract';

/** A CloudFormation template, as far as local mode reads it. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { readonly Type?: string; readonly Default?: unknown }>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Condition?: string }>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

/** The values of the pseudo parameters in the local account. */
export interface PseudoParameters {
  readonly accountId: string;
  readonly region: string;
  readonly stackName: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'amazonaws.com' */
  readonly urlSuffix?: string;
  /** @default an ARN built from the stack name */
  readonly stackId?: string;
}

/** What a resource resolves to: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface ResolvedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The inputs of {@link resolveValue}. */
export interface ResolutionScope {
  readonly pseudo: PseudoParameters;
  /** Parameter values (defaults from the template unless overridden). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly mappings?: CfnTemplate['Mappings'];
  /** Evaluated conditions (see {@link evaluateConditions}). */
  readonly conditions?: Readonly<Record<string, boolean>>;
  /** The resources resolved so far, by logical id. */
  readonly resources: Readonly<Record<string, ResolvedResource | undefined>>;
}

export class TemplateResolutionError extends ScheduledJobsError {}

/** Marks a value removed by `Ref: AWS::NoValue`; stripped from objects and arrays. */
const NO_VALUE = Symbol('AWS::NoValue');

function pseudoValue(name: string, pseudo: PseudoParameters): unknown {
  const partition = pseudo.partition ?? 'aws';
  switch (name) {
    case 'AWS::AccountId':
      return pseudo.accountId;
    case 'AWS::Region':
      return pseudo.region;
    case 'AWS::Partition':
      return partition;
    case 'AWS::URLSuffix':
      return pseudo.urlSuffix ?? 'amazonaws.com';
    case 'AWS::StackName':
      return pseudo.stackName;
    case 'AWS::StackId':
      return pseudo.stackId ?? localStackId(pseudo);
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

/** The stack id local mode reports for a stack (stable across runs). */
export function localStackId(pseudo: PseudoParameters): string {
  const id = deterministicUuid(`${pseudo.accountId}/${pseudo.region}/${pseudo.stackName}`);
  return `arn:${pseudo.partition ?? 'aws'}:cloudformation:${pseudo.region}:${pseudo.accountId}:stack/${pseudo.stackName}/${id}`;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function single(value: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0];
  if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::')) return [key, value[key]];
  return undefined;
}

function lookupResource(logicalId: string, scope: ResolutionScope, context: string): ResolvedResource {
  const resolved = scope.resources[logicalId];
  if (!resolved) {
    throw new TemplateResolutionError(`${context}: resource '${logicalId}' is not resolved (unknown logical id, or not provisioned yet)`);
  }
  return resolved;
}

function refValue(name: string, scope: ResolutionScope): unknown {
  const pseudo = pseudoValue(name, scope.pseudo);
  if (pseudo !== undefined) return pseudo;
  if (scope.parameters && name in scope.parameters) return scope.parameters[name];
  return lookupResource(name, scope, `Ref ${name}`).ref;
}

function getAtt(logicalId: string, attribute: string, scope: ResolutionScope): unknown {
  const resolved = lookupResource(logicalId, scope, `Fn::GetAtt ${logicalId}.${attribute}`);
  if (!(attribute in resolved.attributes)) {
    throw new TemplateResolutionError(
      `Fn::GetAtt ${logicalId}.${attribute}: attribute '${attribute}' is not known locally ` +
        `(known: ${Object.keys(resolved.attributes).join(', ') || 'none'})`,
    );
  }
  return resolved.attributes[attribute];
}

function asString(value: unknown, context: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateResolutionError(`${context}: expected a string, got ${describe(value)}`);
}

function asArray(value: unknown, context: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TemplateResolutionError(`${context}: expected a list, got ${describe(value)}`);
}

/** Evaluates `Fn::Sub` text: `${Name}`, `${Name.Attr}`, `${AWS::Region}`, `${!Literal}`. */
function substitute(text: string, variables: Record<string, unknown>, scope: ResolutionScope): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in variables) return asString(variables[name], `Fn::Sub \${${name}}`);
    const pseudo = pseudoValue(name, scope.pseudo);
    if (pseudo !== undefined) return asString(pseudo, `Fn::Sub \${${name}}`);
    const dot = name.indexOf('.');
    if (dot > 0) return asString(getAtt(name.slice(0, dot), name.slice(dot + 1), scope), `Fn::Sub \${${name}}`);
    return asString(refValue(name, scope), `Fn::Sub \${${name}}`);
  });
}

function condition(name: string, scope: ResolutionScope): boolean {
  const value = scope.conditions?.[name];
  if (value === undefined) throw new TemplateResolutionError(`Condition '${name}' is not defined in the template`);
  return value;
}

function evaluateIntrinsic(fn: string, arg: unknown, scope: ResolutionScope): unknown {
  switch (fn) {
    case 'Ref':
      return refValue(asString(arg, 'Ref'), scope);
    case 'Fn::GetAtt': {
      const parts = typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : asArray(arg, 'Fn::GetAtt');
      const attribute = resolveValue(parts[1], scope);
      return getAtt(asString(parts[0], 'Fn::GetAtt'), asString(attribute, 'Fn::GetAtt'), scope);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asArray(arg, 'Fn::Join');
      const items = asArray(resolveValue(list, scope), 'Fn::Join');
      return items.map((item) => asString(item, 'Fn::Join')).join(asString(delimiter, 'Fn::Join'));
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return substitute(arg, {}, scope);
      const [text, variables] = asArray(arg, 'Fn::Sub');
      const resolvedVariables = resolveValue(variables ?? {}, scope) as Record<string, unknown>;
      return substitute(asString(text, 'Fn::Sub'), resolvedVariables, scope);
    }
    case 'Fn::Select': {
      const [index, list] = asArray(arg, 'Fn::Select');
      const items = asArray(resolveValue(list, scope), 'Fn::Select');
      const i = Number(resolveValue(index, scope));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new TemplateResolutionError(`Fn::Select: index ${describe(index)} is out of range for a list of ${items.length}`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, text] = asArray(arg, 'Fn::Split');
      return asString(resolveValue(text, scope), 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
    }
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = asArray(arg, 'Fn::If');
      return resolveValue(condition(asString(name, 'Fn::If'), scope) ? whenTrue : whenFalse, scope);
    }
    case 'Fn::Equals': {
      const [a, b] = asArray(arg, 'Fn::Equals').map((v) => resolveValue(v, scope));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
      return asArray(arg, 'Fn::And').every((v) => resolveValue(v, scope) === true);
    case 'Fn::Or':
      return asArray(arg, 'Fn::Or').some((v) => resolveValue(v, scope) === true);
    case 'Fn::Not':
      return resolveValue(asArray(arg, 'Fn::Not')[0], scope) !== true;
    case 'Condition':
      return condition(asString(arg, 'Condition'), scope);
    case 'Fn::FindInMap': {
      const [map, top, second] = asArray(arg, 'Fn::FindInMap').map((v) => resolveValue(v, scope));
      const value = scope.mappings?.[asString(map, 'Fn::FindInMap')]?.[asString(top, 'Fn::FindInMap')]?.[asString(second, 'Fn::FindInMap')];
      if (value === undefined) throw new TemplateResolutionError(`Fn::FindInMap: no value at ${describe([map, top, second])}`);
      return value;
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(arg, scope), 'Fn::Base64')).toString('base64');
    case 'Fn::GetAZs': {
      const region = asString(resolveValue(arg, scope) || scope.pseudo.region, 'Fn::GetAZs');
      return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
    }
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(arg, scope));
    case 'Fn::Length':
      return asArray(resolveValue(arg, scope), 'Fn::Length').length;
    case 'Fn::ImportValue':
      throw new TemplateResolutionError(`Fn::ImportValue ${describe(arg)}: cross-stack imports are not supported in local mode`);
    default:
      throw new TemplateResolutionError(`${fn}: intrinsic function not supported in local mode`);
  }
}

/**
 * Evaluates every intrinsic function in `value` against `scope`. Objects and arrays are copied;
 * properties set to `Ref: AWS::NoValue` (directly or through `Fn::If`) are dropped.
 *
 * @throws TemplateResolutionError naming the intrinsic and what was wrong.
 */
export function resolveValue(value: unknown, scope: ResolutionScope): unknown {
  const result = resolveInner(value, scope);
  return result === NO_VALUE ? undefined : result;
}

function resolveInner(value: unknown, scope: ResolutionScope): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveInner(item, scope)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const intrinsic = single(record);
  if (intrinsic) return evaluateIntrinsic(intrinsic[0], intrinsic[1], scope);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    const resolved = resolveInner(item, scope);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Evaluates the template's `Conditions` section (conditions may refer to each other). */
export function evaluateConditions(
  template: CfnTemplate,
  scope: Omit<ResolutionScope, 'conditions' | 'resources'>,
): Record<string, boolean> {
  const definitions = template.Conditions ?? {};
  const done: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const evaluate = (name: string): boolean => {
    if (name in done) return done[name];
    if (!(name in definitions)) throw new TemplateResolutionError(`Condition '${name}' is not defined in the template`);
    if (visiting.has(name)) throw new TemplateResolutionError(`Condition '${name}' refers to itself`);
    visiting.add(name);
    const conditions = new Proxy({} as Record<string, boolean>, {
      get: (_target, key) => (typeof key === 'string' ? evaluate(key) : undefined),
    });
    const result = resolveValue(definitions[name], { ...scope, conditions, resources: {} });
    visiting.delete(name);
    done[name] = result === true;
    return done[name];
  };
  for (const name of Object.keys(definitions)) evaluate(name);
  return done;
}

/** Template parameter values: each parameter's `Default` (SSM-typed parameters get a placeholder). */
export function defaultParameters(template: CfnTemplate, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (name in overrides) out[name] = overrides[name];
    else if (parameter.Default !== undefined) out[name] = parameter.Default;
    else out[name] = `local-${name}`;
  }
  return out;
}

/** The logical ids a value refers to through `Ref`, `Fn::GetAtt` and `Fn::Sub`. */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, into);
    return into;
  }
  if (value === null || typeof value !== 'object') return into;
  const record = value as Record<string, unknown>;
  const intrinsic = single(record);
  if (intrinsic) {
    const [fn, arg] = intrinsic;
    if (fn === 'Ref' && typeof arg === 'string' && !arg.startsWith('AWS::')) into.add(arg);
    else if (fn === 'Fn::GetAtt') {
      const id = typeof arg === 'string' ? arg.split('.')[0] : Array.isArray(arg) ? arg[0] : undefined;
      if (typeof id === 'string') into.add(id);
      if (Array.isArray(arg)) referencedIds(arg.slice(1), into);
    } else if (fn === 'Fn::Sub') {
      const [text, variables] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : ['', {}];
      const local = new Set(Object.keys((variables ?? {}) as object));
      for (const match of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const name = match[1].trim().split('.')[0];
        if (!name.startsWith('AWS::') && !local.has(name)) into.add(name);
      }
      referencedIds(variables, into);
    } else referencedIds(arg, into);
    return into;
  }
  for (const item of Object.values(record)) referencedIds(item, into);
  return into;
}

/**
 * The resources of a template in an order where every resource comes after those it refers to
 * (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`); ties keep template order.
 *
 * @throws TemplateResolutionError on a dependency cycle.
 */
export function dependencyOrder(template: CfnTemplate): string[] {
  const resources = template.Resources ?? {};
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const ids = Object.keys(resources);
  const deps = new Map<string, string[]>();
  for (const id of ids) {
    const resource = resources[id];
    const found = referencedIds({ p: resource.Properties ?? {} });
    const dependsOn = resource.DependsOn === undefined ? [] : typeof resource.DependsOn === 'string' ? [resource.DependsOn] : resource.DependsOn;
    for (const d of dependsOn) found.add(d);
    deps.set(id, [...found].filter((d) => d !== id && !parameters.has(d) && d in resources));
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new TemplateResolutionError(`dependency cycle between resources: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
    }
    state.set(id, 'visiting');
    for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

/** A UUID-shaped string derived from `seed` (stable across runs). */
export function deterministicUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A 12-character suffix derived from `seed`, like CloudFormation's random name suffix. */
export function nameSuffix(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 12; i++) out += SUFFIX_ALPHABET[bytes[i] % SUFFIX_ALPHABET.length];
  return out;
}

/** Naming rules for a generated physical name. */
export interface NameRules {
  /** Longest allowed name. */
  readonly maxLength: number;
  /** Lower-case the name (S3 buckets). @default false */
  readonly lowerCase?: boolean;
  /** Appended after truncation (e.g. `.fifo`). @default '' */
  readonly suffix?: string;
  /** Characters allowed; others are dropped. @default /[A-Za-z0-9-_]/ */
  readonly allowed?: RegExp;
}

/**
 * A CloudFormation-style generated name, `<stack>-<logicalId>-<SUFFIX>`, truncated to the
 * resource type's limit (the stack and logical id parts are shortened first, like CloudFormation).
 */
export function generatedName(stackName: string, logicalId: string, rules: NameRules): string {
  const allowed = rules.allowed ?? /[A-Za-z0-9\-_]/;
  const clean = (s: string) => [...s].filter((c) => allowed.test(c)).join('');
  let suffix = nameSuffix(`${stackName}/${logicalId}`);
  let stack = clean(stackName);
  let id = clean(logicalId);
  const tail = rules.suffix ?? '';
  const budget = rules.maxLength - tail.length;
  if (budget < 8) throw new TemplateResolutionError(`cannot generate a name for ${logicalId} within ${rules.maxLength} characters`);
  if (suffix.length + 2 > budget) suffix = suffix.slice(0, Math.max(4, budget - 2));
  const room = budget - suffix.length - 2;
  if (stack.length + id.length > room) {
    const stackRoom = Math.min(stack.length, Math.max(Math.floor(room / 3), room - id.length));
    stack = stack.slice(0, stackRoom);
    id = id.slice(0, room - stack.length);
  }
  const name = `${stack}-${id}-${suffix}`;
  return (rules.lowerCase ? name.toLowerCase() : name) + tail;
}
