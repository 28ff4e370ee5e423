#!/usr/bin/env node
// What the registrar's store work costs per registration, through the built store API
// (`@switchboard/pbx` dist): the device lookup by SIP username (every authenticated REGISTER;
// on SQLite now the in-memory accounts of registrar-hot-path.ts) and the binding write: one
// `registrations.save` awaited at a time (the hot path: a group of one, synchronous=NORMAL) and
// N saves inside one `store.transaction` (plain Kysely, synchronous=FULL: the old way, grouped).
// For comparison, the same lookup as plain better-sqlite3 statements prepared once (on a second
// connection to the same file). Wall and CPU time per operation; SQLite in a temp folder on disk,
// and on /dev/shm (no flush cost).
//
//   node bench/sip/store-writes.mjs [users=2000] [writes=400] [dirs="<tmp> /dev/shm"]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@switchboard/pbx';

const users = Number(process.argv[2] ?? 2000);
const writes = Number(process.argv[3] ?? 400);
const bases = (process.argv[4] ?? `${tmpdir()} /dev/shm`).split(/\s+/).filter(Boolean);
const groups = [1, 8, 32, 128];

function measure(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  return fn().then((n) => {
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wallUs: (wallMs * 1000) / n, cpuUs: (used.user + used.system) / n, perSecond: Math.round(n / (wallMs / 1000)) };
  });
}

const fmt = (r) => `${r.wallUs.toFixed(0).padStart(6)} µs wall, ${r.cpuUs.toFixed(0).padStart(5)} µs CPU  (${r.perSecond.toLocaleString('en-US')}/s)`;

for (const base of bases) {
  const dir = mkdtempSync(join(base, 'sb-store-writes-'));
  const store = await openStore({ sqlitePath: join(dir, 'switchboard.sqlite') });
  try {
    const tenant = await store.tenants.create({ name: 'Store bench', sipDomain: 'store.bench.test' });
    const devices = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < users; i++) {
        const user = await tx.users.create(tenant.id, { name: `User ${i}`, email: `u${i}@store.bench.test` });
        await tx.extensions.assign(tenant.id, String(100000 + i), user.id);
        devices.push(await tx.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone', sipUsername: `u${i}`, sipPassword: 'secret-secret' }));
      }
    });
    const binding = (i, round) => {
      const d = devices[i % devices.length];
      return {
        deviceId: d.id,
        aor: `sip:${100000 + (i % devices.length)}@store.bench.test`,
        contact: `sip:${d.sipUsername}@127.0.0.1:5060;transport=udp`,
        instanceId: null,
        regId: null,
        expiresAt: new Date(Date.now() + 3_600_000),
        transport: 'udp',
        sourceAddress: '127.0.0.1',
        sourcePort: 5060,
        flowId: null,
        callId: `call-${i}-${round}`,
        cseq: 2,
        userAgent: 'store-bench',
      };
    };
    console.log(`${dir} (${users} devices, ${writes} writes a case)`);
    const lookup = await measure(async () => {
      for (let i = 0; i < writes; i++) if (!(await store.devices.findBySipUsername(`u${(i * 7) % users}`))) throw new Error('missing device');
      return writes;
    });
    console.log(`  findBySipUsername:            ${fmt(lookup)}`);
    const raw = new Database(join(dir, 'switchboard.sqlite'), { readonly: true });
    const q = {
      device: raw.prepare('select * from devices where sip_username = ?'),
      user: raw.prepare('select * from users where tenant_id = ? and id = ?'),
      tenant: raw.prepare('select * from tenants where id = ?'),
      extension: raw.prepare('select number from extensions where tenant_id = ? and user_id = ?'),
    };
    const rawLookup = await measure(async () => {
      for (let i = 0; i < writes; i++) {
        const d = q.device.get(`u${(i * 7) % users}`);
        if (!d || !q.user.get(d.tenant_id, d.user_id) || !q.tenant.get(d.tenant_id) || !q.extension.get(d.tenant_id, d.user_id)) throw new Error('missing device');
      }
      return writes;
    });
    raw.close();
    console.log(`  same 4 queries, prepared once: ${fmt(rawLookup)}`);
    let round = 0;
    for (const group of groups) {
      round++;
      const r = await measure(async () => {
        for (let i = 0; i < writes; i += group) {
          const n = Math.min(group, writes - i);
          if (group === 1) await store.registrations.save(tenant.id, binding(i, round));
          else await store.transaction(async (tx) => {
            for (let j = 0; j < n; j++) await tx.registrations.save(tenant.id, binding(i + j, round));
          });
        }
        return writes;
      });
      console.log(`  save, ${String(group).padStart(3)} per commit:         ${fmt(r)}`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
