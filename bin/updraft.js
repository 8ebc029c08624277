#!/usr/bin/env node
// The `updraft` command. Updraft ships TypeScript sources and runs them through tsx, the same
// loader that imports users' DAG files, so one toolchain serves both.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
