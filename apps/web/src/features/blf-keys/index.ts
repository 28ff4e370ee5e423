export { BlfKeys } from './BlfKeys.js';
