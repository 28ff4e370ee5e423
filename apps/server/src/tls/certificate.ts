import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { ServerConfig } from '../config/index.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /**
   * The CA certificates trusted when the server connects out over TLS (a carrier): the usual
   * public ones plus SWITCHBOARD_TLS_TRUST's; undefined: the public ones alone.
   */
  trusted?: string[];
  /** Where they came from, for the start-up banner. */
  source: 'files' | 'self-signed';
  certPath: string;
}

const renewWithinMs = 30 * 86_400_000;

/** A TLS file that cannot be used, with the reason in one line. */
export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
}

/** The certificate and key for HTTPS/WSS and SIP over TLS, or null when TLS is not configured. */
export async function loadTlsMaterial(config: ServerConfig): Promise<TlsMaterial | null> {
  let material: TlsMaterial;
  if (config.tlsCert !== null && config.tlsKey !== null) {
    material = { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8'), source: 'files', certPath: config.tlsCert };
  } else if (config.tlsSelfSigned) {
    material = await selfSigned(config.dataDir, config.publicAddress);
  } else {
    return null;
  }
  if (config.tlsTrust !== null) material.trusted = [...rootCertificates, ...trustedCertificates(config.tlsTrust)];
  return material;
}

/** Every certificate of a PEM file, each checked to parse; a file without one is an error. */
function trustedCertificates(path: string): string[] {
  const pems = readFileSync(path, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new TlsFileError(`SWITCHBOARD_TLS_TRUST: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new TlsFileError(`SWITCHBOARD_TLS_TRUST: a certificate in ${path} cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return pems;
}

/**
 * A self-signed certificate kept in `<data>/tls/`, for trying Switchboard on a LAN. It is made
 * again when missing, within 30 days of expiry, or when it does not name the public address.
 */
export async function selfSigned(dataDir: string, publicAddress: string): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'self-signed.crt');
  const keyPath = join(dir, 'self-signed.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const x509 = new X509Certificate(cert);
    const names = isIP(publicAddress) ? x509.checkIP(publicAddress) : x509.checkHost(publicAddress);
    if (names !== undefined && Date.parse(x509.validTo) - Date.now() > renewWithinMs) {
      return { cert, key: readFileSync(keyPath, 'utf8'), source: 'self-signed', certPath };
    }
  }

  const hosts = [...new Set(['localhost', hostname(), publicAddress, '127.0.0.1', '::1'])];
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: `Switchboard on ${hostname()}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3_600_000),
    notAfterDate: new Date(now.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((host) => (isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host })) },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, source: 'self-signed', certPath };
}
