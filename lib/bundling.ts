/**
 * The esbuild settings every job and the watchdog are bundled with, in one place so the
 * `bundles` benchmark builds exactly what the constructs deploy.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * The Lambda runtime of every function the constructs create: Node.js 24, the current LTS runtime.
 * Pinned rather than `NODEJS_LATEST`, so a new aws-cdk-lib never changes the runtime (and the
 * esbuild target) behind the bundles' back.
 */
export const JOB_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The esbuild target matching {@link JOB_RUNTIME}. */
export const JOB_ESBUILD_TARGET = 'node24';

/**
 * Modules left out of the bundle, all of them imported lazily (`import()`) and all provided by the
 * Lambda Node.js runtime, which ships the AWS SDK v3 on its module path.
 *
 * The rest of the AWS SDK is bundled: pinned to the version the code was tested with, tree-shaken
 * and minified, it loads several times faster than the runtime's copy. Left out are the credential
 * providers the SDK imports only when the environment holds no credentials (never in Lambda), and
 * `@aws-sdk/client-lambda`, which the job runtime imports only when a run continues in a new
 * invocation (`continueLater`). Keeping them out holds a job that uses S3 and DynamoDB near 450 KB
 * instead of 590 KB.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = [
  '@aws-sdk/client-lambda',
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

/**
 * `NodejsFunction` bundling options for every function of the platform. Dynamic `import()` is
 * compiled to `require()`, because only `require()` searches the runtime's module path
 * (`NODE_PATH`) where the external modules above live.
 */
export const JOB_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: JOB_ESBUILD_TARGET,
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  externalModules: [...RUNTIME_PROVIDED_MODULES],
  esbuildArgs: { '--supported:dynamic-import': 'false' },
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
    supported: { 'dynamic-import': false },
  };
}
