/**
 * Synthesizes the CDK app the way `cdk synth` / `cdk deploy` do (the `app` command from
 * `cdk.json`, run with `CDK_OUTDIR` and the project context in `CDK_CONTEXT_JSON`), then reads the
 * cloud assembly: stack templates and the asset manifests that say where each bundled Lambda
 * asset is.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { CfnTemplate } from './template-resolver';
import { ScheduledJobsError } from '../../lib/contract';

export class SynthesisError extends ScheduledJobsError {}

/** A stack of the cloud assembly. */
export interface StackArtifact {
  /** The artifact id (the construct id of the stack, e.g. `ScheduledJobs`). */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** S3 object key of a file asset (`<hash>.zip`) -> absolute path of its staged directory or file. */
  readonly assets: ReadonlyMap<string, string>;
}

export interface CloudAssembly {
  readonly dir: string;
  readonly stacks: readonly StackArtifact[];
}

export interface SynthOptions {
  /** The project directory (where `cdk.json` is). @default process.cwd() */
  readonly projectDir?: string;
  /** The command that runs the CDK app. @default the `app` entry of `cdk.json` */
  readonly app?: string;
  /** Where to write the cloud assembly (synthesized over; unused assets older than a day are pruned). */
  readonly outDir: string;
  /** Extra context, on top of `cdk.json` and `cdk.context.json`. @default none */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Account and region given to the app as `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION`. */
  readonly account: string;
  readonly region: string;
  /**
   * Reuse the assembly already in `outDir` when the app command, its context and every project
   * file (sources, `cdk.json`, `package-lock.json`...) are unchanged since it was synthesized.
   * @default false
   */
  readonly reuse?: boolean;
}

/** The result of {@link synthesize}. */
export interface SynthResult extends CloudAssembly {
  /** True when the assembly in `outDir` was up to date and reused. */
  readonly reused: boolean;
}

/** Directories never part of the fingerprint (dependencies, build output, local state, VCS). */
const UNHASHED = new Set(['node_modules', '.git', '.local', 'dist', 'coverage', 'cdk.out', '.cdk.staging']);

/**
 * A digest of what a synthesis depends on: the command, the context, the account and region, and
 * the path and content of every project file outside dependencies, build output, local state and
 * `exclude` (absolute paths: the output directory itself).
 */
export function synthFingerprint(
  projectDir: string,
  command: string,
  context: unknown,
  account: string,
  region: string,
  exclude: readonly string[] = [],
): string {
  const hash = createHash('sha256').update(JSON.stringify({ command, context, account, region }));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (UNHASHED.has(entry.name) || entry.name.startsWith('cdk.out')) continue;
      const path = join(dir, entry.name);
      if (exclude.includes(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.endsWith('.md')) hash.update(`\0${relative(projectDir, path)}\0`).update(readFileSync(path));
    }
  };
  walk(projectDir);
  return hash.digest('hex');
}

const FINGERPRINT_FILE = 'local-synth-fingerprint';

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SynthesisError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The context the CDK CLI gives an app: its defaults, `cdk.json`, then `cdk.context.json`. */
export function projectContext(projectDir: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const cdkJson = readJson(join(projectDir, 'cdk.json')) ?? {};
  const saved = readJson(join(projectDir, 'cdk.context.json')) ?? {};
  return {
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': true,
    'aws:cdk:bundling-stacks': ['**'],
    '@aws-cdk/core:failSynthOnValidationErrors': false,
    ...((cdkJson.context as Record<string, unknown> | undefined) ?? {}),
    ...saved,
    ...extra,
  };
}

/** The `app` command of `cdk.json`. */
export function appCommand(projectDir: string): string {
  const cdkJson = readJson(join(projectDir, 'cdk.json'));
  const app = cdkJson?.app;
  if (typeof app !== 'string' || app.trim() === '') {
    throw new SynthesisError(`${join(projectDir, 'cdk.json')}: expected an 'app' command (e.g. "npx tsx bin/app.ts"), got ${JSON.stringify(app)}`);
  }
  return app;
}

/**
 * Runs the app into `outDir` and reads the resulting cloud assembly.
 *
 * @throws SynthesisError with the app's error output when it fails.
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const command = options.app ?? appCommand(projectDir);
  const outDir = resolve(projectDir, options.outDir);
  const context = projectContext(projectDir, options.context);
  const fingerprint = options.reuse ? synthFingerprint(projectDir, command, context, options.account, options.region, [outDir]) : undefined;
  const fingerprintFile = join(outDir, FINGERPRINT_FILE);
  if (fingerprint && existsSync(fingerprintFile) && readFileSync(fingerprintFile, 'utf8') === fingerprint) {
    return { ...readCloudAssembly(outDir), reused: true };
  }
  // The directory is synthesized over, like `cdk synth` does: asset directories a running `cdk-jobs dev`
  // loads its handlers from stay in place while another run synthesizes a changed app.
  rmSync(fingerprintFile, { force: true });
  mkdirSync(outDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_OUTDIR: outDir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_DEFAULT_ACCOUNT: options.account,
    CDK_DEFAULT_REGION: options.region,
  };
  // The app must not inherit an endpoint meant for local SDK calls (it makes no AWS calls anyway).
  delete env.AWS_ENDPOINT_URL;
  const output = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; text: string }>((done, fail) => {
    const child = spawn(command, { cwd: projectDir, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const keep = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => fail(new SynthesisError(`could not run the CDK app '${command}': ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => done({ code, signal, text }));
  });
  if (output.code !== 0) {
    const how = output.signal ? `was killed by ${output.signal}` : `exited with code ${output.code}`;
    throw new SynthesisError(`the CDK app '${command}' ${how}:\n${output.text.trim()}`);
  }
  if (!existsSync(join(outDir, 'manifest.json'))) {
    throw new SynthesisError(
      `the CDK app '${command}' wrote no cloud assembly to ${outDir} (does it create an App and let it synthesize?)\n${output.text.trim()}`,
    );
  }
  const assembly = readCloudAssembly(outDir);
  pruneAssets(assembly);
  if (fingerprint) writeFileSync(fingerprintFile, fingerprint);
  return { ...assembly, reused: false };
}

/** Asset directories older than this and not part of the current assembly are removed. */
const STALE_ASSET_MS = 86_400_000;

/** Removes the asset directories of earlier syntheses that the assembly no longer uses (after a day). */
function pruneAssets(assembly: CloudAssembly): void {
  const used = new Set(assembly.stacks.flatMap((stack) => [...stack.assets.values()]));
  for (const entry of readdirSync(assembly.dir, { withFileTypes: true })) {
    if (!entry.name.startsWith('asset.')) continue;
    const path = join(assembly.dir, entry.name);
    if (used.has(path)) continue;
    if (Date.now() - statSync(path).mtimeMs > STALE_ASSET_MS) rmSync(path, { recursive: true, force: true });
  }
}

interface ManifestArtifact {
  readonly type: string;
  readonly displayName?: string;
  readonly dependencies?: readonly string[];
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly file?: string };
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string };
      readonly destinations: Record<string, { readonly objectKey: string }>;
    }
  >;
}

/** Reads the stacks of a cloud assembly directory (top level; nested stage assemblies are not read). */
export function readCloudAssembly(dir: string): CloudAssembly {
  const manifest = readJson(join(dir, 'manifest.json')) as { artifacts?: Record<string, ManifestArtifact> } | undefined;
  if (!manifest) throw new SynthesisError(`${dir} holds no cloud assembly (manifest.json is missing)`);
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = join(dir, artifact.properties?.templateFile ?? `${id}.template.json`);
    const template = readJson(templateFile) as CfnTemplate | undefined;
    if (!template) throw new SynthesisError(`stack '${id}': template ${templateFile} is missing`);
    const assets = new Map<string, string>();
    for (const dependency of artifact.dependencies ?? []) {
      const assetArtifact = artifacts[dependency];
      if (assetArtifact?.type !== 'cdk:asset-manifest' || !assetArtifact.properties?.file) continue;
      const assetManifest = readJson(join(dir, assetArtifact.properties.file)) as AssetManifest | undefined;
      for (const file of Object.values(assetManifest?.files ?? {})) {
        if (!file.source.path) continue;
        const source = isAbsolute(file.source.path) ? file.source.path : join(dir, file.source.path);
        for (const destination of Object.values(file.destinations)) assets.set(destination.objectKey, source);
      }
    }
    stacks.push({ id, stackName: artifact.properties?.stackName ?? id, templateFile, template, assets });
  }
  return { dir, stacks };
}

/**
 * Where a function's code is: the staged asset its `Code.S3Key` names, the `aws:asset:path`
 * metadata, or (for inline `Code.ZipFile`) a file written under `inlineDir`.
 */
export function functionCodeDir(
  stack: StackArtifact,
  assemblyDir: string,
  logicalId: string,
  code: Readonly<Record<string, unknown>> | undefined,
  metadata: Readonly<Record<string, unknown>> | undefined,
  inlineDir: string,
): string {
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  const fromManifest = key ? stack.assets.get(key) : undefined;
  if (fromManifest) return fromManifest;
  const assetPath = metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return isAbsolute(assetPath) ? assetPath : join(assemblyDir, assetPath);
  if (typeof code?.ZipFile === 'string') {
    const dir = join(inlineDir, logicalId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), code.ZipFile);
    return dir;
  }
  throw new SynthesisError(
    `stack '${stack.stackName}': function ${logicalId} has code local mode cannot find ` +
      `(S3Key ${JSON.stringify(key)} is not a file asset of this assembly)`,
  );
}
