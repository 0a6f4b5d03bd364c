/**
 * Synthesis as `cdk synth` does it, on a tiny JavaScript app in a throw-away project directory (inside
 * the repository, so the app resolves aws-cdk-lib from its node_modules).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appCommand,
  functionCodeDir,
  projectContext,
  readCloudAssembly,
  synthesize,
  SynthesisError,
  type StackArtifact,
} from '../../../tools/local/cloud-assembly';
import { hasJobPlatform, pickStack, StackSelectionError } from '../../../tools/local/dev';

const project = resolve(__dirname, '..', '..', '..', '.local', `test-assembly-${process.pid}`);

const APP = `
const { App, Stack, CfnOutput } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const app = new App();
const stack = new Stack(app, 'Tiny', { stackName: 'tiny-stack' });
const fn = new lambda.Function(stack, 'Fn', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(__dirname + '/code'),
});
new CfnOutput(stack, 'Seen', { value: JSON.stringify({
  flag: app.node.tryGetContext('@aws-cdk/core:flag'),
  saved: app.node.tryGetContext('saved'),
  extra: app.node.tryGetContext('extra'),
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL ?? null,
}) });
`;

describe('cloud assembly', () => {
  beforeAll(() => {
    mkdirSync(join(project, 'code'), { recursive: true });
    writeFileSync(join(project, 'code', 'index.js'), 'exports.handler = async () => 42;\n');
    writeFileSync(join(project, 'app.js'), APP);
    writeFileSync(join(project, 'cdk.json'), JSON.stringify({ app: 'node app.js', context: { '@aws-cdk/core:flag': 'from-cdk-json', saved: 'overridden' } }));
    writeFileSync(join(project, 'cdk.context.json'), JSON.stringify({ saved: 'from-cdk-context-json' }));
  });

  afterAll(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('gives the app the context the CDK CLI would: its defaults, cdk.json, then cdk.context.json', () => {
    expect(projectContext(project, { extra: 1 })).toEqual({
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': ['**'],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      '@aws-cdk/core:flag': 'from-cdk-json',
      saved: 'from-cdk-context-json',
      extra: 1,
    });
    expect(appCommand(project)).toBe('node app.js');
  });

  it('synthesizes with CDK_OUTDIR and the context, reads stacks and file assets, and reuses an unchanged assembly', async () => {
    const outDir = join(project, 'out');
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
    try {
      const options = { projectDir: project, outDir, account: '123456789012', region: 'eu-west-1', context: { extra: 'x' }, reuse: true };
      const first = await synthesize(options);
      expect(first.reused).toBe(false);
      expect(first.stacks.map((s) => [s.id, s.stackName])).toEqual([['Tiny', 'tiny-stack']]);
      const stack = first.stacks[0];
      const seen = JSON.parse(stack.template.Outputs?.Seen.Value as string) as Record<string, unknown>;
      expect(seen).toEqual({
        flag: 'from-cdk-json',
        saved: 'from-cdk-context-json',
        extra: 'x',
        account: '123456789012',
        region: 'eu-west-1',
        endpoint: null,
      });
      // the function's S3Key names a staged asset directory holding the code
      const fnResource = Object.values(stack.template.Resources ?? {}).find((r) => r.Type === 'AWS::Lambda::Function');
      const code = fnResource?.Properties?.Code as { S3Key: string };
      const dir = stack.assets.get(code.S3Key) as string;
      expect(dir.startsWith(join(outDir, 'asset.'))).toBe(true);
      expect(readFileSync(join(dir, 'index.js'), 'utf8')).toBe('exports.handler = async () => 42;\n');

      const second = await synthesize(options);
      expect(second.reused).toBe(true);
      expect(second.stacks[0].assets).toEqual(stack.assets);

      writeFileSync(join(project, 'code', 'index.js'), 'exports.handler = async () => 43;\n');
      const third = await synthesize(options);
      expect(third.reused).toBe(false);
      expect([...third.stacks[0].assets.values()][0]).not.toBe(dir);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previous;
    }
  });

  it("reports a failing app with the app's own output", async () => {
    const options = { projectDir: project, app: 'node -e "console.error(\'no stacks today\'); process.exit(3)"', outDir: join(project, 'bad'), account: 'a', region: 'r' };
    await expect(synthesize(options)).rejects.toThrow(
      new SynthesisError(`the CDK app 'node -e "console.error('no stacks today'); process.exit(3)"' exited with code 3:\nno stacks today`),
    );
  });

  it('says what is wrong with a missing app command or assembly', () => {
    expect(() => appCommand(join(project, 'code'))).toThrow(
      `${join(project, 'code', 'cdk.json')}: expected an 'app' command (e.g. "npx tsx bin/app.ts"), got undefined`,
    );
    expect(() => readCloudAssembly(join(project, 'code'))).toThrow(`${join(project, 'code')} holds no cloud assembly (manifest.json is missing)`);
  });

  it('finds function code from the asset manifest, the asset metadata, or inline code', () => {
    const stack: StackArtifact = { id: 'S', stackName: 'S', templateFile: '', template: {}, assets: new Map([['k.zip', '/assembly/asset.k']]) };
    expect(functionCodeDir(stack, '/assembly', 'Fn', { S3Key: 'k.zip' }, undefined, '/inline')).toBe('/assembly/asset.k');
    expect(functionCodeDir(stack, '/assembly', 'Fn', { S3Key: 'other.zip' }, { 'aws:asset:path': 'asset.m' }, '/inline')).toBe('/assembly/asset.m');
    const inlineDir = join(project, 'inline');
    const dir = functionCodeDir(stack, '/assembly', 'Inline', { ZipFile: 'exports.handler = 1;' }, undefined, inlineDir);
    expect(readFileSync(join(dir, 'index.js'), 'utf8')).toBe('exports.handler = 1;');
    expect(() => functionCodeDir(stack, '/assembly', 'Fn', { S3Key: 'gone.zip' }, undefined, inlineDir)).toThrow(
      "stack 'S': function Fn has code local mode cannot find (S3Key \"gone.zip\" is not a file asset of this assembly)",
    );
  });
});

describe('the stack cdk-jobs dev runs', () => {
  const artifact = (stackName: string, outputs: Record<string, unknown> = {}): StackArtifact => ({
    id: stackName,
    stackName,
    templateFile: `${stackName}.template.json`,
    template: { Resources: {}, Outputs: outputs } as StackArtifact['template'],
    assets: new Map(),
  });
  const platform = (stackName: string) => artifact(stackName, { JobsTableName: { Value: 't' }, FailureInboxUrl: { Value: 'u' } });

  it('is the only stack with a JobPlatform among the stacks of the app', () => {
    expect(hasJobPlatform(platform('Jobs'))).toBe(true);
    expect(hasJobPlatform(artifact('Web', { Url: { Value: 'x' } }))).toBe(false);
    expect(pickStack([artifact('Network'), platform('Jobs'), artifact('Web')], undefined).stackName).toBe('Jobs');
  });

  it('lists the stacks with a JobPlatform when there are several', () => {
    expect(() => pickStack([platform('Orders'), artifact('Web'), platform('Billing')], undefined)).toThrow(
      new StackSelectionError('2 stacks of the app hold a JobPlatform (Orders, Billing): choose one with --stack'),
    );
    expect(pickStack([platform('Orders'), platform('Billing')], 'Billing').stackName).toBe('Billing');
  });

  it('is the only stack of an app without a JobPlatform, else an error naming the stacks', () => {
    expect(pickStack([artifact('Solo')], undefined).stackName).toBe('Solo');
    expect(() => pickStack([artifact('A'), artifact('B')], undefined)).toThrow(
      new StackSelectionError('no stack of the app holds a JobPlatform (stacks: A, B): add one, or choose a stack with --stack'),
    );
    expect(() => pickStack([platform('Jobs')], 'Nope')).toThrow(new StackSelectionError("--stack: no stack 'Nope' in the app (stacks: Jobs)"));
  });
});
