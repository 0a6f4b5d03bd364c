/**
 * The esbuild settings every job and the watchdog are bundled with, in one place so the
 * `bundles` benchmark builds exactly what the constructs deploy.
 */
import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** The Lambda runtime of every function the constructs create. */
export const JOB_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The esbuild target matching {@link JOB_RUNTIME}. */
export const JOB_ESBUILD_TARGET = 'node22';

/**
 * Modules left out of the bundle. The AWS SDK is bundled (pinned to the version the code was
 * tested with, tree-shaken and minified: faster to load than the runtime's copy). Only the
 * credential providers the SDK imports lazily, and only when there are no credentials in the
 * environment, stay external: in Lambda the credentials are always in the environment, so these
 * are never loaded; were they ever needed, the runtime's own SDK provides them. Leaving them out
 * keeps a job that uses S3 and DynamoDB near 400 KB instead of 520 KB.
 */
export const LAZY_SDK_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
  '@smithy/credential-provider-imds',
];

/** `NodejsFunction` bundling options for every function of the platform. */
export const JOB_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: JOB_ESBUILD_TARGET,
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  externalModules: [...LAZY_SDK_MODULES],
};

/**
 * The same settings as options of esbuild's `build()` API (what `NodejsFunction` passes on the
 * esbuild command line), for building a bundle outside CDK.
 */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    target: JOB_BUNDLING.target,
    format: 'cjs' as const,
    minify: JOB_BUNDLING.minify,
    sourcemap: JOB_BUNDLING.sourceMap,
    sourcesContent: JOB_BUNDLING.sourcesContent,
    mainFields: [...(JOB_BUNDLING.mainFields ?? [])],
    external: [...(JOB_BUNDLING.externalModules ?? [])],
  };
}

/**
 * Records why a function of the platform runs {@link JOB_RUNTIME} rather than the newest Node.js
 * runtime (cdk-nag AwsSolutions-L1).
 */
export function acknowledgeRuntime(fn: IConstruct): void {
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The runtime is pinned to Node.js 22 together with the esbuild target (node22) the bundles are built and tested for; ' +
      'moving to a newer runtime is a deliberate change of JOB_RUNTIME and JOB_ESBUILD_TARGET, not a silent upgrade.',
  });
}
