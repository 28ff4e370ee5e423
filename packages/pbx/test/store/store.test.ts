import type { Store } from '../../src/index.js';
import { PostgresCluster } from './support/postgres-cluster.js';
import { postgresBackend, sqliteBackend } from './support/stores.js';
import type { Backend } from './support/stores.js';
import { devicesSuite } from './suites/devices.js';
import { historySuite } from './suites/history.js';
import { organisationSuite } from './suites/organisation.js';
import { trunksSuite } from './suites/trunks.js';

// The same suites run on SQLite and, when a PostgreSQL server can be started here, on PostgreSQL.
const backends = [
  { name: 'SQLite', make: (): Promise<Backend | null> => Promise.resolve(sqliteBackend()) },
  { name: 'PostgreSQL', make: postgresBackend },
];

describe.each(backends)('store on $name', ({ name, make }) => {
  let backend: Backend | null = null;
  let store: Store | null = null;

  beforeAll(async () => {
    backend = await make();
    if (backend) store = await backend.open();
    else console.warn(`Skipping the ${name} store tests: ${PostgresCluster.unavailable}`);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.close();
  });
  beforeEach((context) => {
    if (!backend) context.skip(PostgresCluster.unavailable);
  });

  const ctx = { backend: () => backend!, store: () => store! };
  organisationSuite(ctx);
  devicesSuite(ctx);
  historySuite(ctx);
  trunksSuite(ctx);
});
