#!/usr/bin/env node
// Provisions a Switchboard store for the calls benchmark, through the built store API: a tenant
// whose trunk is the SIPp UAS (an IP-based trunk at 127.0.0.1:<uas port>) and the DID `bench`
// forwarded to an outside number. SIPp's built-in uac sends `INVITE sip:bench@<server>` from
// 127.0.0.1 without credentials: the trunk host's address makes it a call from the carrier, the
// DID sends it back out through the trunk — to the UAS. Each call is two media legs, bridged.
//
//   node bench/calls/provision.mjs <data dir> <uas port> [DID=bench]
import { join } from 'node:path';
import { openStore } from '@switchboard/pbx';

const [dataDir, uasPort, did = 'bench'] = process.argv.slice(2);
if (!dataDir || !/^[0-9]+$/.test(uasPort ?? '')) {
  console.error('usage: provision.mjs <data dir> <uas port> [DID]');
  process.exit(2);
}
const store = await openStore({ sqlitePath: join(dataDir, 'switchboard.sqlite') });
try {
  const tenant = await store.tenants.create({ name: 'Calls benchmark', sipDomain: 'calls-bench.example.test' });
  await store.trunks.set(tenant.id, { host: '127.0.0.1', port: Number(uasPort), transport: 'udp', callerIdNumber: '15550100100' });
  await store.dids.add(tenant.id, did, { forwardTo: '5550199' });
  console.error(`provision: tenant ${tenant.sipDomain}, trunk 127.0.0.1:${uasPort} (UDP, IP-based), DID ${did} forwarded to 5550199 through it`);
} finally {
  await store.close();
}
