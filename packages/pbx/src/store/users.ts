import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.js';
import type { Role, User } from './records.js';
import type { Database, UsersTable } from './schema.js';

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    email: row.email,
    role: row.role,
    canDialExternal: row.can_dial_external === 1,
    canDialInternational: row.can_dial_international === 1,
    canDialPremium: row.can_dial_premium === 1,
    hasPassword: row.password_hash !== null,
    createdAt: new Date(row.created_at),
  };
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

export function normaliseEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (!emailPattern.test(normalised)) throw new StoreError('invalid', `"${email}" is not an email address`);
  return normalised;
}

export interface NewUser {
  name: string;
  email: string;
  /** Portal password in clear (hashed here); null or absent: the user cannot sign in. */
  password?: string | null;
  role?: Role;
  canDialExternal?: boolean;
  /** International and premium-rate prefixes (toll-fraud guard): off unless given. */
  canDialInternational?: boolean;
  canDialPremium?: boolean;
}

/** What `users.update` changes; absent fields keep their value. */
export interface UserChanges {
  name?: string;
  role?: Role;
  canDialExternal?: boolean;
  canDialInternational?: boolean;
  canDialPremium?: boolean;
}

/**
 * Users of a tenant. Emails are unique across the whole server (not only per tenant), because the
 * portal's sign-in asks for an email and a password and nothing else.
 */
export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(tenantId: string, input: NewUser, now = new Date()): Promise<User> {
    const name = input.name.trim();
    if (name === '') throw new StoreError('invalid', 'a user needs a name');
    const row: Selectable<UsersTable> = {
      id: randomUUID(),
      tenant_id: tenantId,
      name,
      email: normaliseEmail(input.email),
      password_hash: input.password == null ? null : await hashPassword(input.password),
      role: input.role ?? 'user',
      can_dial_external: input.canDialExternal === true ? 1 : 0,
      can_dial_international: input.canDialInternational === true ? 1 : 0,
      can_dial_premium: input.canDialPremium === true ? 1 : 0,
      created_at: now.toISOString(),
    };
    await guardWrite(() => this.db.insertInto('users').values(row).execute(), {
      conflict: `the email ${row.email} is already in use`,
      missing: 'no such tenant',
    });
    return toUser(row);
  }

  async get(tenantId: string, userId: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByEmail(tenantId: string, email: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** The user to whom `number` is assigned in the tenant. */
  async findByExtension(tenantId: string, number: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('extensions')
      .innerJoin('users', (join) => join.onRef('users.tenant_id', '=', 'extensions.tenant_id').onRef('users.id', '=', 'extensions.user_id'))
      .selectAll('users')
      .where('extensions.tenant_id', '=', tenantId)
      .where('extensions.number', '=', number)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async list(tenantId: string): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('name').orderBy('id').execute();
    return rows.map(toUser);
  }

  async update(tenantId: string, userId: string, changes: UserChanges): Promise<User> {
    const set: Partial<Selectable<UsersTable>> = {};
    if (changes.name !== undefined) {
      set.name = changes.name.trim();
      if (set.name === '') throw new StoreError('invalid', 'a user needs a name');
    }
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.canDialExternal !== undefined) set.can_dial_external = changes.canDialExternal ? 1 : 0;
    if (changes.canDialInternational !== undefined) set.can_dial_international = changes.canDialInternational ? 1 : 0;
    if (changes.canDialPremium !== undefined) set.can_dial_premium = changes.canDialPremium ? 1 : 0;
    if (Object.keys(set).length > 0) {
      await this.db.updateTable('users').set(set).where('tenant_id', '=', tenantId).where('id', '=', userId).execute();
    }
    const user = await this.get(tenantId, userId);
    if (!user) throw new StoreError('not_found', 'no such user');
    return user;
  }

  /** Sets (or with null, removes) the portal password. */
  async setPassword(tenantId: string, userId: string, password: string | null): Promise<void> {
    const hash = password === null ? null : await hashPassword(password);
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: hash })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new StoreError('not_found', 'no such user');
  }

  /** Computes the decoy hash ahead of time, so the first sign-in with an unknown email is not slower. */
  async prepareSignIn(): Promise<void> {
    await decoyPasswordHash();
  }

  /**
   * Portal sign-in: the user whose email and password match, or null. An unknown email is checked
   * against a decoy hash so it takes as long as a wrong password. This lookup is server-wide by
   * design (emails are global); it is how a session learns its tenant.
   */
  async signIn(email: string, password: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    const hash = row?.password_hash ?? (await decoyPasswordHash());
    const matches = await verifyPassword(password, hash);
    return row && row.password_hash !== null && matches ? toUser(row) : null;
  }

  /** Removes the user with their extension, devices, registrations, sessions and settings. */
  async remove(tenantId: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
