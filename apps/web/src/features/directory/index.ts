export { Directory } from './Directory.js';
