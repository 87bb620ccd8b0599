#!/usr/bin/env node
// npm `bin` shim: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';
register();
await import('./opsgate.ts');
