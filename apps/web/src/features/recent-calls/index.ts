export { RecentCalls } from './RecentCalls.js';
