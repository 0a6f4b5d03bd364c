/**
 * CDK test helpers: an App with the feature flags of cdk.json and stacks in a fixed environment,
 * so templates are deterministic and ARNs carry a real account and Region.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, type StackProps } from 'aws-cdk-lib';

/** The environment of every test stack. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** The feature flags and context of cdk.json. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

export interface TestAppOptions {
  /** Extra context (for example `{ schedules: 'disabled' }`). */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle Lambda code with esbuild. Off by default: bundling takes seconds per function, and
   * most tests only look at the template. Tests that deploy-check the real stack turn it on.
   */
  readonly bundling?: boolean;
  /**
   * Run CDK's built-in CloudFormation validation at synth. Off by default: it costs seconds per
   * synth (a WebAssembly schema check) and the app-stack test runs cfn-lint on the template anyway.
   */
  readonly validation?: boolean;
}

/** A new App with cdk.json's context. */
export function createApp(options: TestAppOptions = {}): App {
  const context: Record<string, unknown> = { ...CDK_JSON_CONTEXT, ...options.context };
  if (!options.bundling) {
    // An empty list of stacks to bundle: NodejsFunction still checks the entry exists, but skips esbuild.
    context['aws:cdk:bundling-stacks'] = [];
  }
  return new App({ context, builtinCloudFormationValidation: options.validation ?? false });
}

/** A stack in {@link TEST_ENV}. */
export function createStack(app: App = createApp(), id = 'TestStack', props: StackProps = {}): Stack {
  return new Stack(app, id, { env: TEST_ENV, ...props });
}
