export { VoicemailBadge } from './VoicemailBadge.js';
