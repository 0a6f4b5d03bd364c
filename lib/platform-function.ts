/**
 * A platform-side function (the watchdog, a stream consumer): its own role, its own log group with
 * retention, bundled with the same settings as the jobs, or taken prebuilt from the package's
 * assets. Construct IDs are passed in, so each caller keeps the logical IDs (and so the deployed
 * resources) it already has.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { JOB_BUNDLING, JOB_RUNTIME } from './bundling';
import { JobConfigurationError } from './contract';

/** The construct IDs of the three resources. */
export interface PlatformFunctionIds {
  readonly role: string;
  readonly logGroup: string;
  readonly function: string;
}

export interface PlatformFunctionProps
  extends Omit<nodejs.NodejsFunctionProps, 'role' | 'logGroup' | 'runtime' | 'architecture' | 'bundling' | 'handler'> {
  /**
   * The TypeScript file whose `handler` export is the function, bundled at synth. Give exactly
   * one of `entry` and `prebuiltDir`.
   * @default - none; `prebuiltDir` must be given
   */
  readonly entry?: string;
  /**
   * A folder holding the handler already bundled with the same settings (`index.js`, exporting
   * `handler`, and its source map), deployed as it is.
   * @default - none; `entry` must be given
   */
  readonly prebuiltDir?: string;
  /** Description of the function's role. */
  readonly roleDescription: string;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Creates the role, the log group (writable by the role only) and the Node.js 24 ARM64 function
 * (256 MB and 1 minute unless set; source maps on). The function's properties are the same whether
 * it is bundled from `entry` or deployed from `prebuiltDir`; only its code asset differs.
 */
export function createPlatformFunction(scope: Construct, ids: PlatformFunctionIds, props: PlatformFunctionProps): lambda.Function {
  const { roleDescription, logRetention, environment, entry, prebuiltDir, ...functionProps } = props;
  if ((entry === undefined) === (prebuiltDir === undefined)) {
    throw new JobConfigurationError(
      `platform function '${ids.function}': give exactly one of 'entry' and 'prebuiltDir'; got ${entry === undefined ? 'neither' : 'both'}`,
    );
  }
  const role = new iam.Role(scope, ids.role, {
    description: roleDescription,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const logGroup = new logs.LogGroup(scope, ids.logGroup, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
  logGroup.grantWrite(role);
  const common = {
    runtime: JOB_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.minutes(1),
    ...functionProps,
    role,
    logGroup,
    environment: { ...environment, NODE_OPTIONS: '--enable-source-maps' },
  };
  if (prebuiltDir !== undefined) {
    return new lambda.Function(scope, ids.function, { ...common, code: lambda.Code.fromAsset(prebuiltDir), handler: 'index.handler' });
  }
  return new nodejs.NodejsFunction(scope, ids.function, { ...common, entry, handler: 'handler', bundling: JOB_BUNDLING });
}
