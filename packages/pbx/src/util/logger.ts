/** The PBX logs through a pino-shaped function the server gives it; tests pass a silent one. */
export type PbxLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type PbxLogger = (level: PbxLogLevel, message: string, fields?: Record<string, unknown>) => void;

export const silentPbxLogger: PbxLogger = () => undefined;
