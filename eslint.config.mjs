// Lint rules: the recommended TypeScript set, plus the boundaries the project relies on: folder
// imports point one way (tools/lint/boundaries.mjs), code that runs in Lambda never imports
// aws-cdk-lib, and the schedule engine stays pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './tools/lint/boundaries.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'cdk.out.*/**', 'dist/**', 'coverage/**', '.local/**', 'bin/jobs.js', '.scratch*/**', 'test/consumer/app/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['lib/**/*.ts', 'lambdas/**/*.ts', 'tools/**/*.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/imports': 'error' },
  },
  {
    files: ['lambdas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'Lambda code never imports CDK.' },
        ],
      }],
    },
  },
  {
    files: ['lib/schedule/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-sdk/*'], message: 'The schedule engine is pure: no CDK, no SDK.' },
        ],
      }],
    },
  },
);
