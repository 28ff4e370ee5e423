import type { Did, Tenant, Trunk, TrunkSettings } from '@switchboard/pbx';
import { CliError, positional, tenantOf, type Command, type CommandOptions } from './command.js';
import { fields, table } from './format.js';

const trunkJson = (trunk: Trunk) => ({
  host: trunk.host,
  port: trunk.port,
  transport: trunk.transport,
  username: trunk.username,
  hasPassword: trunk.password !== null,
  register: trunk.username !== null && trunk.register,
  srtp: trunk.srtp,
  inboundFrom: trunk.inboundFrom,
  callerId: trunk.callerIdNumber === null ? null : { number: trunk.callerIdNumber, name: trunk.callerIdName },
  updatedAt: trunk.updatedAt.toISOString(),
});

function trunkText(trunk: Trunk): string {
  const callerId = trunk.callerIdNumber === null ? '(not set: the trunk username is sent, or the caller\'s extension)' : `${trunk.callerIdName ? `"${trunk.callerIdName}" ` : ''}${trunk.callerIdNumber}`;
  return fields([
    ['Host', trunk.host],
    ['Port', String(trunk.port)],
    ['Transport', trunk.transport === 'tls' ? 'tls (needs SIP over TLS on this server: SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY, or SWITCHBOARD_TLS_SELF_SIGNED=1)' : trunk.transport],
    ['Authentication', trunk.username === null ? 'none (IP-based: the carrier trusts this server\'s address)' : `digest as ${trunk.username} (password set)`],
    ['Registration', trunk.username !== null && trunk.register ? 'yes, kept up by the server' : 'no'],
    ['Media', trunk.srtp ? `SRTP (SDES keys${trunk.transport === 'tls' ? ', carried over TLS' : ': in the clear without TLS, so --transport tls goes with it'})` : 'RTP'],
    ['Inbound calls from', trunk.inboundFrom.length === 0 ? "the host's addresses" : `the host's addresses and ${trunk.inboundFrom.join(', ')}`],
    ['Caller ID', callerId],
  ]);
}

function portOf(value: string): number {
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port < 1 || port > 65535) throw new CliError(`--port must be a port number (1 to 65535), not "${value}"`);
  return port;
}

/** The trunk settings named on the command line; absent flags leave a setting as it is. */
function trunkSettingsOf(options: CommandOptions): TrunkSettings {
  if (options.register === true && options['no-register'] === true) throw new CliError('trunk set: --register and --no-register contradict each other');
  if (options.srtp === true && options['no-srtp'] === true) throw new CliError('trunk set: --srtp and --no-srtp contradict each other');
  const transport = options.transport?.toLowerCase();
  if (transport !== undefined && transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') throw new CliError(`--transport must be udp, tcp or tls, not "${options.transport}"`);
  return {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: portOf(options.port) } : {}),
    ...(transport !== undefined ? { transport } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.register === true ? { register: true } : options['no-register'] === true ? { register: false } : {}),
    ...(options.srtp === true ? { srtp: true } : options['no-srtp'] === true ? { srtp: false } : {}),
    ...(options['inbound-from'] !== undefined ? { inboundFrom: options['inbound-from'].split(',') } : {}),
    ...(options['caller-id'] !== undefined ? { callerIdNumber: options['caller-id'] } : {}),
    ...(options['caller-name'] !== undefined ? { callerIdName: options['caller-name'] } : {}),
  };
}

function noTrunk(tenant: Tenant): CliError {
  return new CliError(`${tenant.sipDomain} has no trunk; set one with: switchboard trunk set --host <carrier host>`);
}

export const trunkCommands: Readonly<Record<string, Command>> = {
  'trunk set': {
    usage:
      'trunk set [--host <host>] [--port <n>] [--transport udp|tcp|tls] [--username <user> --password <pw>] [--register | --no-register] [--srtp | --no-srtp] [--inbound-from <address or range,...>] [--caller-id <number>] [--caller-name <name>]',
    summary: "create or change the tenant's SIP trunk (outside line); --username '' makes it IP-based",
    async run(context) {
      const tenant = await tenantOf(context);
      const settings = trunkSettingsOf(context.options);
      if (Object.keys(settings).length === 0) throw new CliError('trunk set needs something to set: --host, --port, --transport, --username, --password, --register, --srtp, --inbound-from, --caller-id, --caller-name');
      const existed = (await context.store.trunks.get(tenant.id)) !== null;
      const trunk = await context.store.trunks.set(tenant.id, settings);
      return { json: trunkJson(trunk), text: `${existed ? 'Changed' : 'Created'} the trunk of ${tenant.sipDomain}\n${trunkText(trunk)}` };
    },
  },
  'trunk show': {
    usage: 'trunk show',
    summary: "print the tenant's SIP trunk (without its password)",
    async run(context) {
      const tenant = await tenantOf(context);
      const trunk = await context.store.trunks.get(tenant.id);
      if (!trunk) throw noTrunk(tenant);
      return { json: trunkJson(trunk), text: trunkText(trunk) };
    },
  },
  'trunk remove': {
    usage: 'trunk remove',
    summary: 'remove the trunk: no more outside calls (DIDs stay, for a new trunk)',
    async run(context) {
      const tenant = await tenantOf(context);
      if (!(await context.store.trunks.remove(tenant.id))) throw noTrunk(tenant);
      return { json: { removed: true }, text: `Removed the trunk of ${tenant.sipDomain}\n` };
    },
  },
};

const didJson = (did: Did) => ({ number: did.number, extension: did.extension, forwardTo: did.forwardTo });
const didTarget = (did: Did) => (did.extension !== null ? `extension ${did.extension}` : `outside number ${did.forwardTo ?? '?'}`);

export const didCommands: Readonly<Record<string, Command>> = {
  'did add': {
    usage: 'did add <number> --extension <n> | --forward <outside number>',
    summary: 'route calls from the trunk for a number (DID) to an extension, or on to an outside number',
    async run(context) {
      const { store, options } = context;
      const tenant = await tenantOf(context);
      const number = positional(context, 'a number', 'did add');
      if ((options.extension === undefined) === (options.forward === undefined)) throw new CliError('did add needs either --extension <n> or --forward <outside number>');
      const did = await store.dids.add(tenant.id, number, options.extension !== undefined ? { extension: options.extension } : { forwardTo: options.forward! });
      const hint = (await store.trunks.get(tenant.id)) === null ? `(${tenant.sipDomain} has no trunk yet: see switchboard trunk set)\n` : '';
      return { json: didJson(did), text: `Calls to ${did.number} now go to ${didTarget(did)}\n${hint}` };
    },
  },
  'did list': {
    usage: 'did list',
    summary: "list the tenant's DIDs and where they go",
    async run(context) {
      const tenant = await tenantOf(context);
      const dids = await context.store.dids.list(tenant.id);
      return { json: dids.map(didJson), text: table(['NUMBER', 'GOES TO'], dids.map((d) => [d.number, didTarget(d)])) };
    },
  },
  'did remove': {
    usage: 'did remove <number>',
    summary: 'stop taking calls for a DID',
    async run(context) {
      const tenant = await tenantOf(context);
      const number = positional(context, 'a number', 'did remove');
      if (!(await context.store.dids.remove(tenant.id, number))) throw new CliError(`there is no DID ${number} in ${tenant.sipDomain}`);
      return { json: { removed: number }, text: `Removed DID ${number}\n` };
    },
  },
};
