#!/usr/bin/env node
// Entry point of the `jalon` command: loads TypeScript through tsx, then the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
