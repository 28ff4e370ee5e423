export { Softphone } from './Softphone.js';
export { IncomingCall } from './IncomingCall.js';
export { CallStrip } from './CallStrip.js';
export { dialFieldId } from './Dialer.js';
