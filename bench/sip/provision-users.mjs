#!/usr/bin/env node
// Provisions the users of a SIPp users file (the Kamailio peer's gen-users.sh format:
// a SEQUENTIAL line, then `username;password;domain;[authentication …]`) into a Switchboard
// store, through the built store API: per line one user with its own extension and one desk
// phone whose SIP username and password are fields 0 and 1. One transaction for the lot.
//
//   node bench/sip/provision-users.mjs <data dir> <users.csv> [tenant SIP domain=bench.example.test]
//
// The server finds a device by its digest username alone, so the users' To/From domain
// (127.0.0.1 in the file) need not be the tenant's. Extensions are 100000, 100001, …
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@switchboard/pbx';

const [dataDir, csvPath, sipDomain = 'bench.example.test'] = process.argv.slice(2);
if (!dataDir || !csvPath) {
  console.error('usage: provision-users.mjs <data dir> <users.csv> [tenant SIP domain]');
  process.exit(2);
}

const users = readFileSync(csvPath, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.includes(';'))
  .map((line) => {
    const [username, password] = line.split(';');
    return { username, password };
  });
if (users.length === 0) {
  console.error(`provision-users: no users in ${csvPath}`);
  process.exit(1);
}

const started = performance.now();
const store = await openStore({ sqlitePath: join(dataDir, 'switchboard.sqlite') });
try {
  const tenant = await store.tenants.create({ name: 'SIP benchmark', sipDomain });
  await store.transaction(async (tx) => {
    for (const [i, u] of users.entries()) {
      const user = await tx.users.create(tenant.id, { name: `Bench ${u.username}`, email: `${u.username}@${sipDomain}` });
      await tx.extensions.assign(tenant.id, String(100000 + i), user.id);
      await tx.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone', sipUsername: u.username, sipPassword: u.password });
    }
  });
  const seconds = (performance.now() - started) / 1000;
  console.error(`provision-users: ${users.length} users, extensions and devices in tenant ${sipDomain} (${seconds.toFixed(1)} s)`);
} finally {
  await store.close();
}
