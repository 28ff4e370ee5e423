import { generate } from 'selfsigned';

let cached: Promise<{ key: string; cert: string }> | undefined;

/** A self-signed certificate for 127.0.0.1, generated once per test process. */
export function localhostCertificate(): Promise<{ key: string; cert: string }> {
  cached ??= generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}
