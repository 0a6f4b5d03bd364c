import { describe, expect, it } from 'vitest';
import {
  defaultParameters,
  dependencyOrder,
  evaluateConditions,
  generatedName,
  referencedIds,
  resolveValue,
  TemplateResolutionError,
  type CfnTemplate,
  type ResolutionScope,
} from '../../../tools/local/template-resolver';

const pseudo = { accountId: '123456789012', region: 'eu-west-1', stackName: 'Jobs' };

function scope(overrides: Partial<ResolutionScope> = {}): ResolutionScope {
  return {
    pseudo,
    parameters: { Stage: 'dev', Names: ['a', 'b'] },
    conditions: { IsDev: true, IsProd: false },
    mappings: { Sizes: { dev: { Memory: 256 } } },
    resources: {
      Table: { ref: 'Jobs-Table-ABC', attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Jobs-Table-ABC' } },
      Queue: {
        ref: 'http://127.0.0.1:5000/123456789012/inbox',
        attributes: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:inbox', QueueName: 'inbox' },
      },
    },
    ...overrides,
  };
}

describe('resolveValue', () => {
  it('resolves Ref to resources, parameters and pseudo parameters', () => {
    expect(resolveValue({ Ref: 'Table' }, scope())).toBe('Jobs-Table-ABC');
    expect(resolveValue({ Ref: 'Stage' }, scope())).toBe('dev');
    expect(resolveValue({ Ref: 'AWS::Region' }, scope())).toBe('eu-west-1');
    expect(resolveValue({ Ref: 'AWS::AccountId' }, scope())).toBe('123456789012');
    expect(resolveValue({ Ref: 'AWS::Partition' }, scope())).toBe('aws');
    expect(resolveValue({ Ref: 'AWS::URLSuffix' }, scope())).toBe('amazonaws.com');
    expect(resolveValue({ Ref: 'AWS::StackName' }, scope())).toBe('Jobs');
  });

  it('resolves Fn::GetAtt in both the list and the dotted form', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Queue', 'Arn'] }, scope())).toBe('arn:aws:sqs:eu-west-1:123456789012:inbox');
    expect(resolveValue({ 'Fn::GetAtt': 'Queue.QueueName' }, scope())).toBe('inbox');
  });

  it('joins, splits and selects', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Table' }, '/*']] };
    expect(resolveValue(arn, scope())).toBe('arn:aws:s3:::Jobs-Table-ABC/*');
    const name = { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] };
    expect(resolveValue(name, scope())).toBe('inbox');
    expect(resolveValue({ 'Fn::Select': [1, { Ref: 'Names' }] }, scope())).toBe('b');
  });

  it('substitutes Fn::Sub references, attributes, variables and escaped literals', () => {
    const text = 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}|${Queue.QueueName}|${Extra}|${!Literal}';
    expect(resolveValue({ 'Fn::Sub': [text, { Extra: { Ref: 'Stage' } }] }, scope())).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/Jobs-Table-ABC|inbox|dev|${Literal}',
    );
    expect(resolveValue({ 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' }, scope())).toBe('cdk-assets-123456789012-eu-west-1');
  });

  it('evaluates Fn::If and drops AWS::NoValue from objects and lists', () => {
    const value = {
      Keep: { 'Fn::If': ['IsDev', 'yes', 'no'] },
      Drop: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] },
      List: ['a', { Ref: 'AWS::NoValue' }, { 'Fn::If': ['IsDev', 'c', 'd'] }],
    };
    expect(resolveValue(value, scope())).toEqual({ Keep: 'yes', List: ['a', 'c'] });
  });

  it('evaluates condition functions, mappings and Base64', () => {
    expect(resolveValue({ 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] }, scope())).toBe(true);
    expect(resolveValue({ 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] }, scope())).toBe(true);
    expect(resolveValue({ 'Fn::Or': [{ Condition: 'IsProd' }, false] }, scope())).toBe(false);
    expect(resolveValue({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }, scope())).toBe(256);
    expect(resolveValue({ 'Fn::Base64': 'hi' }, scope())).toBe('aGk=');
    expect(resolveValue({ 'Fn::GetAZs': '' }, scope())).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it('leaves objects with several keys as plain objects', () => {
    expect(resolveValue({ Ref: 'Table', Other: 1 }, scope())).toEqual({ Ref: 'Table', Other: 1 });
  });

  it('names the reference that cannot be resolved', () => {
    expect(() => resolveValue({ Ref: 'Missing' }, scope())).toThrow(
      new TemplateResolutionError("Ref Missing: resource 'Missing' is not resolved (unknown logical id, or not provisioned yet)"),
    );
    expect(() => resolveValue({ 'Fn::GetAtt': ['Queue', 'Nope'] }, scope())).toThrow(
      "Fn::GetAtt Queue.Nope: attribute 'Nope' is not known locally (known: Arn, QueueName)",
    );
    expect(() => resolveValue({ 'Fn::ImportValue': 'Shared' }, scope())).toThrow(
      'Fn::ImportValue "Shared": cross-stack imports are not supported in local mode',
    );
    expect(() => resolveValue({ 'Fn::Select': [3, ['a']] }, scope())).toThrow('Fn::Select: index 3 is out of range for a list of 1');
    expect(() => resolveValue({ 'Fn::If': ['Unknown', 1, 2] }, scope())).toThrow("Condition 'Unknown' is not defined in the template");
  });
});

describe('evaluateConditions', () => {
  it('evaluates conditions that refer to parameters and to each other', () => {
    const template: CfnTemplate = {
      Parameters: { Stage: { Type: 'String', Default: 'prod' } },
      Conditions: {
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
        IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
        InEurope: { 'Fn::Equals': [{ 'Fn::Select': [0, { 'Fn::Split': ['-', { Ref: 'AWS::Region' }] }] }, 'eu'] },
      },
    };
    expect(evaluateConditions(template, { pseudo, parameters: defaultParameters(template) })).toEqual({
      NotProd: false,
      IsProd: true,
      InEurope: true,
    });
  });

  it('rejects a condition that refers to itself', () => {
    const template: CfnTemplate = { Conditions: { Loop: { 'Fn::Not': [{ Condition: 'Loop' }] } } };
    expect(() => evaluateConditions(template, { pseudo, parameters: {} })).toThrow("Condition 'Loop' refers to itself");
  });
});

describe('defaultParameters', () => {
  it('takes defaults, overrides, and a placeholder for parameters without a default', () => {
    const template: CfnTemplate = {
      Parameters: {
        BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' },
        Stage: { Type: 'String', Default: 'dev' },
        Secret: { Type: 'String' },
      },
    };
    expect(defaultParameters(template, { Stage: 'test' })).toEqual({
      BootstrapVersion: '/cdk-bootstrap/hnb659fds/version',
      Stage: 'test',
      Secret: 'local-Secret',
    });
  });
});

describe('dependencyOrder', () => {
  it('puts every resource after what it refers to, keeping template order otherwise', () => {
    const template: CfnTemplate = {
      Parameters: { Stage: { Type: 'String' } },
      Resources: {
        Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { Target: { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }, Group: { Ref: 'Group' } } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' }, Environment: { Variables: { T: { 'Fn::Sub': '${Table}-${Stage}-${AWS::Region}' } } } },
        },
        Group: { Type: 'AWS::Scheduler::ScheduleGroup' },
        Role: { Type: 'AWS::IAM::Role', DependsOn: 'Table' },
        Table: { Type: 'AWS::DynamoDB::Table' },
      },
    };
    expect(dependencyOrder(template)).toEqual(['Table', 'Role', 'Fn', 'Group', 'Schedule']);
  });

  it('reports a cycle with its path', () => {
    const template: CfnTemplate = {
      Resources: {
        A: { Type: 'X', Properties: { P: { Ref: 'B' } } },
        B: { Type: 'X', Properties: { P: { 'Fn::GetAtt': ['A', 'Arn'] } } },
      },
    };
    expect(() => dependencyOrder(template)).toThrow('dependency cycle between resources: A -> B -> A');
  });
});

describe('referencedIds', () => {
  it('collects Ref, GetAtt and Sub references but not pseudo parameters, Sub variables or literals', () => {
    const value = {
      a: { Ref: 'One' },
      b: { 'Fn::GetAtt': ['Two', 'Arn'] },
      c: { 'Fn::Sub': ['${Three.Arn}/${Var}/${AWS::Region}/${!Four}', { Var: { Ref: 'Five' } }] },
      d: { Ref: 'AWS::AccountId' },
    };
    expect([...referencedIds(value)].sort()).toEqual(['Five', 'One', 'Three', 'Two']);
  });
});

describe('generatedName', () => {
  it('names like CloudFormation: stack, logical id and a 12-character suffix', () => {
    const name = generatedName('Jobs', 'InboxA8E05DC3', { maxLength: 80 });
    expect(name).toMatch(/^Jobs-InboxA8E05DC3-[A-Z0-9]{12}$/);
    expect(generatedName('Jobs', 'InboxA8E05DC3', { maxLength: 80 })).toBe(name);
    expect(generatedName('Jobs', 'Other', { maxLength: 80 })).not.toBe(name.replace('InboxA8E05DC3', 'Other'));
  });

  it('fits the limit, lower-cases for buckets and appends a fixed suffix', () => {
    const long = generatedName('AVeryLongStackNameForTesting', 'SomeExtremelyLongLogicalIdentifier0123456789ABCDEF', { maxLength: 64 });
    expect(long.length).toBe(64);
    expect(long.startsWith('AVeryLong')).toBe(true);
    const bucket = generatedName('Jobs', 'LogsBucket9C4D8843', { maxLength: 63, lowerCase: true });
    expect(bucket).toMatch(/^jobs-logsbucket9c4d8843-[a-z0-9]{12}$/);
    const fifo = generatedName('Jobs', 'Queue', { maxLength: 80, suffix: '.fifo' });
    expect(fifo).toMatch(/^Jobs-Queue-[A-Z0-9]{12}\.fifo$/);
  });
});
