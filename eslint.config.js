import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bin/**', 'scripts/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'max-params': ['error', 3],
    },
  },
  {
    // Only the edges print; tests and examples may use console (a task's console output is captured).
    files: ['test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts', 'src/**/test-support.ts', 'src/sdk/testing.ts'],
    rules: { 'no-console': 'off', 'max-params': 'off' },
  },
  {
    // Commander passes positional arguments, then options, to an action: its arity is the command's.
    files: ['src/cli/commands/**/*.ts'],
    rules: { 'max-params': 'off' },
  },
);
