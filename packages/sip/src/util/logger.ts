/** The stack's logging hook; the server adapts it to its own logger (pino). */
export type SipLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;

export const silentLogger: SipLogger = () => undefined;
