// The construct library's public API: re-exports only.
export * from './catch-up';
export * from './contract';
export * from './job-name';
export * from './job-monitoring';
export * from './job-platform';
export * from './job-base';
export * from './scheduled-job';
export * from './shared-role-lambda-invoke';
export * from './bundling';
export * from './one-time-job';
export * from './fan-out-job';
