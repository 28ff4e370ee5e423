export { DndSetting, DndStatus } from './DndStatus.js';
