// Starts a media thread from TypeScript source (tests under vitest): Node 20 does not apply
// `--import tsx` to a worker's entry file, so the thread registers tsx itself, then loads it.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
