import { generatePassword } from '@switchboard/pbx';
import type { Device, Role, Tenant, User } from '@switchboard/pbx';
import { CliError, deviceOf, positional, required, tenantOf, userOf, type Command, type CommandOptions } from './command.js';
import { fields, table } from './format.js';
import { didCommands, trunkCommands } from './trunk-commands.js';

export { CliError } from './command.js';
export type { Command, CommandContext, CommandOptions, CommandResult } from './command.js';

function roleOf(value: string | undefined): Role {
  if (value === undefined || value === 'user') return 'user';
  if (value === 'admin') return 'admin';
  throw new CliError(`--role must be admin or user, not "${value}"`);
}

function kindOf(value: string | undefined): 'desk_phone' | 'softphone' {
  const kind = (value ?? 'desk_phone').replace('-', '_');
  if (kind === 'desk_phone' || kind === 'softphone') return kind;
  throw new CliError(`--kind must be desk-phone or softphone, not "${value}"`);
}

const tenantJson = (tenant: Tenant) => ({ id: tenant.id, name: tenant.name, sipDomain: tenant.sipDomain, createdAt: tenant.createdAt.toISOString() });
const userJson = (user: User, extension: string | null) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  canDialExternal: user.canDialExternal,
  canDialInternational: user.canDialInternational,
  canDialPremium: user.canDialPremium,
  canSignIn: user.hasPassword,
  extension,
});
const deviceJson = (device: Device, user: User | null, extension: string | null, withPassword: boolean) => ({
  id: device.id,
  kind: device.kind,
  label: device.label,
  sipUsername: device.sipUsername,
  ...(withPassword ? { sipPassword: device.sipPassword } : {}),
  user: user ? { id: user.id, name: user.name, email: user.email } : null,
  extension,
  expiresAt: device.expiresAt?.toISOString() ?? null,
});

/** What the user may dial outside, in words (the last column of `user list`). */
function rightsText(user: User): string {
  if (!user.canDialExternal) return 'no';
  const extra = [user.canDialInternational ? 'international' : null, user.canDialPremium ? 'premium' : null].filter((x) => x !== null);
  return extra.length > 0 ? `yes, ${extra.join(', ')}` : 'yes';
}

/**
 * The dialling rights a command line asks for. International and premium-rate calls are outside
 * calls, so granting either grants outside calls, and taking outside calls away takes both.
 */
function rightsOf(options: CommandOptions, command: string): { canDialExternal?: boolean; canDialInternational?: boolean; canDialPremium?: boolean } {
  const pick = (on: boolean | undefined, off: boolean | undefined, flag: string): boolean | undefined => {
    if (on === true && off === true) throw new CliError(`${command}: --${flag} and --no-${flag} contradict each other`);
    return on === true ? true : off === true ? false : undefined;
  };
  let external = pick(options.external, options['no-external'], 'external');
  let international = pick(options.international, options['no-international'], 'international');
  let premium = pick(options.premium, options['no-premium'], 'premium');
  if (international === true || premium === true) {
    if (external === false) throw new CliError(`${command}: international and premium-rate calls are outside calls; drop --no-external`);
    external = true;
  }
  if (external === false) {
    international = false;
    premium = false;
  }
  return {
    ...(external !== undefined ? { canDialExternal: external } : {}),
    ...(international !== undefined ? { canDialInternational: international } : {}),
    ...(premium !== undefined ? { canDialPremium: premium } : {}),
  };
}

function deviceText(device: Device, user: User, extension: string | null, tenant: Tenant): string {
  return fields([
    ['SIP username', device.sipUsername],
    ['SIP password', device.sipPassword],
    ['SIP domain', tenant.sipDomain],
    ['Kind', device.kind.replace('_', ' ')],
    ['Label', device.label],
    ['User', `${user.name} <${user.email}>`],
    ['Extension', extension ?? '(none)'],
    ...(device.expiresAt ? ([['Expires', device.expiresAt.toISOString()]] as const) : []),
  ]);
}

/** Every command, by its two words. */
export const commands: Readonly<Record<string, Command>> = {
  'tenant add': {
    usage: 'tenant add --name <name> --domain <sip domain>',
    summary: 'create a tenant (an organisation with its own SIP domain)',
    async run({ store, options }) {
      const tenant = await store.tenants.create({ name: required(options.name, '--name', 'tenant add'), sipDomain: required(options.domain, '--domain', 'tenant add') });
      return { json: tenantJson(tenant), text: `Created tenant ${tenant.name} (${tenant.sipDomain}), id ${tenant.id}\n` };
    },
  },
  'tenant list': {
    usage: 'tenant list',
    summary: 'list tenants',
    async run({ store }) {
      const tenants = await store.tenants.list();
      return { json: tenants.map(tenantJson), text: table(['DOMAIN', 'NAME', 'ID'], tenants.map((t) => [t.sipDomain, t.name, t.id])) };
    },
  },
  'tenant remove': {
    usage: 'tenant remove <sip domain | id>',
    summary: 'remove a tenant and everything in it',
    async run(context) {
      const tenant = await tenantOf({ ...context, options: { ...context.options, tenant: positional(context, 'a SIP domain or id', 'tenant remove') } });
      await context.store.tenants.remove(tenant.id);
      return { json: { removed: tenantJson(tenant) }, text: `Removed tenant ${tenant.name} (${tenant.sipDomain}) and all its users, devices and history\n` };
    },
  },
  'user add': {
    usage: 'user add --name <name> --email <email> [--password <pw>] [--role admin|user] [--external] [--international] [--premium] [--extension <n>]',
    summary: 'create a user; prints a generated portal password unless --password is given',
    async run(context) {
      const { store, options } = context;
      const tenant = await tenantOf(context);
      const generated = options.password === undefined;
      const password = options.password ?? generatePassword(12);
      const user = await store.transaction(async (tx) => {
        const created = await tx.users.create(tenant.id, {
          name: required(options.name, '--name', 'user add'),
          email: required(options.email, '--email', 'user add'),
          password,
          role: roleOf(options.role),
          ...rightsOf(options, 'user add'),
        });
        if (options.extension !== undefined) await tx.extensions.assign(tenant.id, options.extension, created.id);
        return created;
      });
      const extension = options.extension ?? null;
      return {
        json: { ...userJson(user, extension), ...(generated ? { password } : {}) },
        text:
          `Created user ${user.name} <${user.email}>${extension ? ` with extension ${extension}` : ''} in ${tenant.sipDomain}\n` +
          (generated ? `Portal password: ${password}\n` : ''),
      };
    },
  },
  'user list': {
    usage: 'user list',
    summary: "list a tenant's users",
    async run(context) {
      const tenant = await tenantOf(context);
      const users = await context.store.users.list(tenant.id);
      const extensions = new Map((await context.store.extensions.list(tenant.id)).map((e) => [e.userId, e.number]));
      return {
        json: users.map((user) => userJson(user, extensions.get(user.id) ?? null)),
        text: table(
          ['EXT', 'NAME', 'EMAIL', 'ROLE', 'EXTERNAL'],
          users.map((user) => [extensions.get(user.id) ?? '-', user.name, user.email, user.role, rightsText(user)]),
        ),
      };
    },
  },
  'user remove': {
    usage: 'user remove <email>',
    summary: 'remove a user with their extension and devices',
    async run(context) {
      const tenant = await tenantOf(context);
      const user = await userOf(context.store, tenant, positional(context, 'an email', 'user remove'));
      await context.store.users.remove(tenant.id, user.id);
      return { json: { removed: userJson(user, null) }, text: `Removed user ${user.name} <${user.email}>\n` };
    },
  },
  'user set': {
    usage: 'user set <email> [--name <name>] [--role admin|user] [--external | --no-external] [--international | --no-international] [--premium | --no-premium]',
    summary: "change a user's name, role or dialling rights (outside, international, premium-rate)",
    async run(context) {
      const { store, options } = context;
      const tenant = await tenantOf(context);
      const user = await userOf(store, tenant, positional(context, 'an email', 'user set'));
      const changes = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.role !== undefined ? { role: roleOf(options.role) } : {}),
        ...rightsOf(options, 'user set'),
      };
      if (Object.keys(changes).length === 0) throw new CliError('user set needs something to change: --name, --role, --external, --international, --premium (or their --no- forms)');
      const updated = await store.users.update(tenant.id, user.id, changes);
      const extension = await store.extensions.forUser(tenant.id, user.id);
      return {
        json: userJson(updated, extension),
        text: `Updated ${updated.name} <${updated.email}>: role ${updated.role}, outside calls ${rightsText(updated)}\n`,
      };
    },
  },
  'user set-password': {
    usage: 'user set-password <email> [--password <pw>]',
    summary: 'set a portal password (generated unless given) and sign the user out everywhere',
    async run(context) {
      const tenant = await tenantOf(context);
      const user = await userOf(context.store, tenant, positional(context, 'an email', 'user set-password'));
      const password = context.options.password ?? generatePassword(12);
      await context.store.users.setPassword(tenant.id, user.id, password);
      await context.store.sessions.removeForUser(tenant.id, user.id);
      const generated = context.options.password === undefined;
      return {
        json: { email: user.email, ...(generated ? { password } : {}) },
        text: `Set the portal password of ${user.email}${generated ? `: ${password}` : ''}\n`,
      };
    },
  },
  'extension add': {
    usage: 'extension add <number> --user <email>',
    summary: 'give a user an extension number',
    async run(context) {
      const tenant = await tenantOf(context);
      const number = positional(context, 'an extension number', 'extension add');
      const user = await userOf(context.store, tenant, required(context.options.user, '--user <email>', 'extension add'));
      await context.store.extensions.assign(tenant.id, number, user.id);
      return { json: { number, user: { id: user.id, name: user.name, email: user.email } }, text: `Extension ${number} now rings ${user.name}\n` };
    },
  },
  'extension list': {
    usage: 'extension list',
    summary: "list a tenant's extensions",
    async run(context) {
      const tenant = await tenantOf(context);
      const listings = await context.store.extensions.directory(tenant.id);
      return {
        json: listings.map((l) => ({ number: l.extension, user: { id: l.userId, name: l.name, email: l.email } })),
        text: table(['EXT', 'NAME', 'EMAIL'], listings.map((l) => [l.extension, l.name, l.email])),
      };
    },
  },
  'extension remove': {
    usage: 'extension remove <number>',
    summary: 'free an extension number',
    async run(context) {
      const tenant = await tenantOf(context);
      const number = positional(context, 'an extension number', 'extension remove');
      if (!(await context.store.extensions.remove(tenant.id, number))) throw new CliError(`there is no extension ${number} in ${tenant.sipDomain}`);
      return { json: { removed: number }, text: `Removed extension ${number}\n` };
    },
  },
  'device add': {
    usage: 'device add --user <email> [--kind desk-phone|softphone] [--username <sip user>] [--password <pw>] [--label <text>]',
    summary: 'create SIP credentials for a phone (username: the extension when free, else a suffixed name)',
    async run(context) {
      const { store, options } = context;
      const tenant = await tenantOf(context);
      const user = await userOf(store, tenant, required(options.user, '--user <email>', 'device add'));
      const device = await store.devices.create(tenant.id, {
        userId: user.id,
        kind: kindOf(options.kind),
        ...(options.username !== undefined ? { sipUsername: options.username } : {}),
        ...(options.password !== undefined ? { sipPassword: options.password } : {}),
        ...(options.label !== undefined ? { label: options.label } : {}),
      });
      const extension = await store.extensions.forUser(tenant.id, user.id);
      return { json: deviceJson(device, user, extension, true), text: `Created device\n${deviceText(device, user, extension, tenant)}` };
    },
  },
  'device list': {
    usage: 'device list [--user <email>]',
    summary: "list a tenant's devices (without passwords)",
    async run(context) {
      const { store, options } = context;
      const tenant = await tenantOf(context);
      const only = options.user !== undefined ? await userOf(store, tenant, options.user) : null;
      const devices = await store.devices.list(tenant.id, only ? { userId: only.id } : {});
      const users = new Map((await store.users.list(tenant.id)).map((u) => [u.id, u]));
      const extensions = new Map((await store.extensions.list(tenant.id)).map((e) => [e.userId, e.number]));
      return {
        json: devices.map((d) => deviceJson(d, users.get(d.userId) ?? null, extensions.get(d.userId) ?? null, false)),
        text: table(
          ['USERNAME', 'KIND', 'EXT', 'USER', 'EXPIRES'],
          devices.map((d) => [d.sipUsername, d.kind.replace('_', ' '), extensions.get(d.userId) ?? '-', users.get(d.userId)?.email ?? '?', d.expiresAt?.toISOString() ?? '-']),
        ),
      };
    },
  },
  'device show': {
    usage: 'device show <sip username>',
    summary: "print a device's SIP credentials",
    async run(context) {
      const { device, user, tenant, extension } = await deviceOf(context, 'device show');
      return { json: deviceJson(device, user, extension, true), text: deviceText(device, user, extension, tenant) };
    },
  },
  'device remove': {
    usage: 'device remove <sip username>',
    summary: 'remove a device (its registrations end)',
    async run(context) {
      const { device, tenant } = await deviceOf(context, 'device remove');
      await context.store.devices.remove(tenant.id, device.id);
      return { json: { removed: device.sipUsername }, text: `Removed device ${device.sipUsername}\n` };
    },
  },
  ...trunkCommands,
  ...didCommands,
};
