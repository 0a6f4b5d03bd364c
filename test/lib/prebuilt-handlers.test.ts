import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { DEFAULT_HANDLER_ASSETS_DIR } from '../../lib/platform-assets';
import { createPlatformFunction } from '../../lib/platform-function';
import { bundleHandlers, outDirFromArgs } from '../../tools/build/bundle-handlers';
import { createApp, createStack } from '../support/cdk';

type Resource = { Type: string; Properties: Record<string, unknown> };

function watchdogOf(stack: Stack, platform: JobPlatform): Resource {
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(platform.watchdog.node.defaultChild as never)] as Resource;
}

describe('the watchdog, prebuilt when the package is built', () => {
  let outDir: string;
  let bundled: Awaited<ReturnType<typeof bundleHandlers>>;

  beforeAll(async () => {
    // GIVEN the build script run into a temporary folder
    outDir = mkdtempSync(join(tmpdir(), 'handler-assets-'));
    bundled = await bundleHandlers(outDir);
  }, 60_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('THEN it writes watchdog/index.js, minified, with its source map', () => {
    expect(bundled.map((b) => b.name)).toEqual(['watchdog']);
    expect(readdirSync(join(outDir, 'watchdog')).sort()).toEqual(['index.js', 'index.js.map']);
    const code = readFileSync(join(outDir, 'watchdog', 'index.js'), 'utf8');
    expect(code.split('\n').length).toBeLessThan(100);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
  });

  describe('WHEN a platform is synthesized from the prebuilt asset', () => {
    let prebuiltStack: Stack;
    let prebuilt: JobPlatform;
    let sourceStack: Stack;
    let source: JobPlatform;
    let assemblyDir: string;

    beforeAll(() => {
      const app = createApp();
      prebuiltStack = createStack(app, 'Prebuilt');
      prebuilt = new JobPlatform(prebuiltStack, 'Platform', { handlerAssetsDir: outDir });
      assemblyDir = app.synth().directory;
      sourceStack = createStack(createApp(), 'Prebuilt');
      source = new JobPlatform(sourceStack, 'Platform');
    });

    it('THEN the function is deployed from the asset (handler index.handler), not bundled at synth', () => {
      expect(prebuilt.watchdog).not.toBeInstanceOf(nodejs.NodejsFunction);
      expect(prebuilt.watchdog).toBeInstanceOf(lambda.Function);
      const fn = watchdogOf(prebuiltStack, prebuilt);
      expect(fn.Properties.Handler).toBe('index.handler');
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const staged = join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
      expect(readdirSync(staged).sort()).toEqual(['index.js', 'index.js.map']);
    });

    it('THEN every property but the code is the one bundling from source gives, and the logical IDs are the same', () => {
      expect(source.watchdog).toBeInstanceOf(nodejs.NodejsFunction);
      const { Code: prebuiltCode, ...fromAsset } = watchdogOf(prebuiltStack, prebuilt).Properties;
      const { Code: sourceCode, ...fromSource } = watchdogOf(sourceStack, source).Properties;
      expect(prebuiltCode).toBeDefined();
      expect(sourceCode).toBeDefined();
      expect(fromAsset).toEqual(fromSource);
      expect(fromAsset).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 60 });
      const withoutCode = (stack: Stack) => {
        const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
        return Object.fromEntries(
          Object.entries(resources).map(([id, r]) => [id, { ...r, Properties: { ...r.Properties, Code: undefined } }]),
        );
      };
      expect(withoutCode(prebuiltStack)).toEqual(withoutCode(sourceStack));
    });
  });

  it('GIVEN a handlerAssetsDir without the watchdog WHEN the platform is built THEN it throws, naming the prop, the file and the folder', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-assets-'));
    try {
      expect(() => new JobPlatform(createStack(), 'Platform', { handlerAssetsDir: empty })).toThrow(
        `JobPlatform 'TestStack/Platform': handlerAssetsDir must hold the prebuilt watchdog (watchdog/index.js); got '${empty}', which has none (build it with tools/build/bundle-handlers.ts)`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('GIVEN the library run from its TypeScript source THEN the default assets folder does not exist, so the watchdog is bundled from source', () => {
    expect(DEFAULT_HANDLER_ASSETS_DIR).toBe(join(__dirname, '..', '..', 'assets'));
    expect(existsSync(DEFAULT_HANDLER_ASSETS_DIR)).toBe(false);
  });

  it('GIVEN a platform function with both or neither of entry and prebuiltDir THEN it throws', () => {
    const stack = createStack();
    const props = { roleDescription: 'r', logRetention: 90 } as const;
    expect(() => createPlatformFunction(stack, { role: 'R', logGroup: 'L', function: 'F' }, props)).toThrow(
      "platform function 'F': give exactly one of 'entry' and 'prebuiltDir'; got neither",
    );
    expect(() => createPlatformFunction(stack, { role: 'R2', logGroup: 'L2', function: 'F2' }, { ...props, entry: 'x.ts', prebuiltDir: outDir })).toThrow(
      "platform function 'F2': give exactly one of 'entry' and 'prebuiltDir'; got both",
    );
  });

  it('GIVEN the command line THEN --out picks the folder and the default is dist/assets', () => {
    expect(outDirFromArgs([])).toBe(join(__dirname, '..', '..', 'dist', 'assets'));
    expect(outDirFromArgs(['--out', '/tmp/x'])).toBe('/tmp/x');
    expect(() => outDirFromArgs(['--out'])).toThrow("bundle-handlers: --out needs a folder; got nothing");
  });
});
