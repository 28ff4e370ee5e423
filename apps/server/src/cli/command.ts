import type { DeviceAccount, Store, Tenant, User } from '@switchboard/pbx';

/** A mistake on the command line or a missing record: printed as one line, exit status 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface CommandOptions {
  tenant?: string | undefined;
  name?: string | undefined;
  domain?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
  role?: string | undefined;
  external?: boolean | undefined;
  extension?: string | undefined;
  user?: string | undefined;
  kind?: string | undefined;
  username?: string | undefined;
  label?: string | undefined;
  international?: boolean | undefined;
  premium?: boolean | undefined;
  'no-external'?: boolean | undefined;
  'no-international'?: boolean | undefined;
  'no-premium'?: boolean | undefined;
  host?: string | undefined;
  port?: string | undefined;
  transport?: string | undefined;
  register?: boolean | undefined;
  'no-register'?: boolean | undefined;
  srtp?: boolean | undefined;
  'no-srtp'?: boolean | undefined;
  'inbound-from'?: string | undefined;
  'caller-id'?: string | undefined;
  'caller-name'?: string | undefined;
  forward?: string | undefined;
}

export interface CommandContext {
  store: Store;
  args: string[];
  options: CommandOptions;
}

/** What a command produced: a JSON value for `--json`, and text for people. */
export interface CommandResult {
  json: unknown;
  text: string;
}

export interface Command {
  usage: string;
  summary: string;
  run(context: CommandContext): Promise<CommandResult>;
}

export function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value.trim() === '') throw new CliError(`${command} needs ${flag}`);
  return value;
}

export function positional(context: CommandContext, what: string, command: string): string {
  const value = context.args[0];
  if (value === undefined) throw new CliError(`${command} needs ${what}`);
  return value;
}

/** The tenant named by --tenant (SIP domain or id), or the only tenant when there is one. */
export async function tenantOf(context: CommandContext): Promise<Tenant> {
  const { store, options } = context;
  if (options.tenant !== undefined) {
    const tenant = (await store.tenants.findBySipDomain(options.tenant)) ?? (await store.tenants.get(options.tenant));
    if (!tenant) throw new CliError(`no tenant with SIP domain or id "${options.tenant}" (see: switchboard tenant list)`);
    return tenant;
  }
  const tenants = await store.tenants.list();
  if (tenants.length === 1) return tenants[0]!;
  if (tenants.length === 0) throw new CliError('there are no tenants yet; create one with: switchboard tenant add --name <name> --domain <sip domain>');
  throw new CliError(`there are ${tenants.length} tenants; choose one with --tenant <sip domain>`);
}

export async function userOf(store: Store, tenant: Tenant, email: string): Promise<User> {
  const user = await store.users.findByEmail(tenant.id, email);
  if (!user) throw new CliError(`no user with email ${email} in ${tenant.sipDomain}`);
  return user;
}

/** A device by its SIP username, which is unique server-wide: no --tenant needed (checked if given). */
export async function deviceOf(context: CommandContext, command: string): Promise<DeviceAccount> {
  const sipUsername = positional(context, 'a SIP username', command);
  const account = await context.store.devices.findBySipUsername(sipUsername);
  const wanted = context.options.tenant;
  if (!account || (wanted !== undefined && wanted !== account.tenant.sipDomain && wanted !== account.tenant.id)) {
    throw new CliError(`no device with SIP username ${sipUsername}${wanted !== undefined ? ` in ${wanted}` : ''}`);
  }
  return account;
}
