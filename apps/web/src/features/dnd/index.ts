export { DndIndicator, DndSetting, DndStatus } from './DndStatus.js';
