/** Misuse of the store or a broken constraint, as a typed error with a stable code. */
export type StoreErrorCode = 'conflict' | 'not_found' | 'invalid';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function driverCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return typeof error.code === 'string' ? error.code : undefined;
  }
  return undefined;
}

/** True when a SQLite or PostgreSQL error is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when a SQLite or PostgreSQL error is a foreign-key violation. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Runs a write and turns constraint violations into StoreErrors with a readable message. */
export async function guardWrite<T>(
  write: () => Promise<T>,
  messages: { conflict?: string; missing?: string },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (messages.conflict !== undefined && isUniqueViolation(error)) throw new StoreError('conflict', messages.conflict);
    if (messages.missing !== undefined && isForeignKeyViolation(error)) throw new StoreError('not_found', messages.missing);
    throw error;
  }
}
