#!/usr/bin/env node
// The syncsim command. TypeScript sources run through tsx, so there is no build step to forget.
import './tune-v8.js';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
