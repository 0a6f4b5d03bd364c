// The construct library's public API: re-exports only.
export * from './contract';
export * from './job-configuration-error';
export * from './job-name';
export * from './overlap-policy';
export * from './job-monitoring';
export * from './job-platform';
export * from './scheduled-job';
export * from './shared-role-lambda-invoke';
export * from './bundling';
export * from './one-time-job';
