export { AudioDeviceSelector } from './AudioDeviceSelector.js';
