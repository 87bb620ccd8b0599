// Worker bootstrap: worker threads do not inherit tsx's module hooks, so
// register them here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
