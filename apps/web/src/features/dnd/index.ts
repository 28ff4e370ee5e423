export { DndStatus } from './DndStatus.js';
