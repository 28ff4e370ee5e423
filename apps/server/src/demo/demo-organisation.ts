import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePassword } from '@switchboard/pbx';
import type { Role, Store, Tenant } from '@switchboard/pbx';

/** The demo organisation created on an empty store, so there is something to sign in to. */
export const demoTenant = { name: 'Demo Company', sipDomain: 'demo.switchboard.test' } as const;

const demoPeople: ReadonlyArray<{ name: string; extension: string; role: Role; canDialExternal: boolean }> = [
  { name: 'Alice Adams', extension: '101', role: 'admin', canDialExternal: true },
  { name: 'Bob Baker', extension: '102', role: 'user', canDialExternal: true },
  { name: 'Carol Chen', extension: '103', role: 'user', canDialExternal: false },
  { name: 'Dan Diaz', extension: '104', role: 'user', canDialExternal: false },
  { name: 'Erin Evans', extension: '105', role: 'user', canDialExternal: true },
];

export interface DemoSignIn {
  name: string;
  email: string;
  password: string;
  extension: string;
  role: Role;
}

export interface DemoDeskPhone {
  name: string;
  extension: string;
  sipUsername: string;
  sipPassword: string;
}

export interface DemoOrganisation {
  tenant: Tenant;
  signIns: DemoSignIn[];
  deskPhones: DemoDeskPhone[];
}

interface DemoFile {
  tenantId: string;
  signIns: DemoSignIn[];
}

/** The store keeps only password hashes, so the demo passwords are kept here (mode 0600). */
export function demoFilePath(dataDir: string): string {
  return join(dataDir, 'demo-sign-ins.json');
}

/** Creates the demo tenant, its five users with extensions 101–105, portal sign-ins and desk phones. */
export async function createDemoOrganisation(store: Store, dataDir: string): Promise<DemoOrganisation> {
  const signIns: DemoSignIn[] = demoPeople.map((person) => ({
    name: person.name,
    email: `${person.name.split(' ')[0]!.toLowerCase()}@${demoTenant.sipDomain}`,
    password: generatePassword(12),
    extension: person.extension,
    role: person.role,
  }));
  const tenant = await store.transaction(async (tx) => {
    const created = await tx.tenants.create(demoTenant);
    for (const [i, person] of demoPeople.entries()) {
      const signIn = signIns[i]!;
      const user = await tx.users.create(created.id, {
        name: person.name,
        email: signIn.email,
        password: signIn.password,
        role: person.role,
        canDialExternal: person.canDialExternal,
      });
      await tx.extensions.assign(created.id, person.extension, user.id);
      await tx.devices.create(created.id, { userId: user.id, kind: 'desk_phone', label: `${person.name}'s desk phone` });
    }
    return created;
  });
  const file: DemoFile = { tenantId: tenant.id, signIns };
  writeFileSync(demoFilePath(dataDir), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(demoFilePath(dataDir), 0o600);
  return { tenant, signIns, deskPhones: await deskPhones(store, tenant) };
}

/**
 * The demo organisation as it stands: sign-ins from the 0600 file that still work (a password
 * changed since is left out) and the desk phones' SIP credentials from the store. Null when
 * there is no demo organisation in this store.
 */
export async function loadDemoOrganisation(store: Store, dataDir: string): Promise<DemoOrganisation | null> {
  const path = demoFilePath(dataDir);
  if (!existsSync(path)) return null;
  let file: DemoFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as DemoFile;
  } catch {
    return null;
  }
  const tenant = await store.tenants.get(file.tenantId);
  if (!tenant) return null;
  const signIns: DemoSignIn[] = [];
  for (const signIn of file.signIns) {
    const user = await store.users.findByEmail(tenant.id, signIn.email);
    if (user && (await store.users.signIn(signIn.email, signIn.password))) signIns.push(signIn);
  }
  return { tenant, signIns, deskPhones: await deskPhones(store, tenant) };
}

async function deskPhones(store: Store, tenant: Tenant): Promise<DemoDeskPhone[]> {
  const directory = await store.extensions.directory(tenant.id);
  const phones: DemoDeskPhone[] = [];
  for (const listing of directory) {
    for (const device of await store.devices.list(tenant.id, { userId: listing.userId })) {
      if (device.kind !== 'desk_phone') continue;
      phones.push({ name: listing.name, extension: listing.extension, sipUsername: device.sipUsername, sipPassword: device.sipPassword });
    }
  }
  return phones;
}
