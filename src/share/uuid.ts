/** Name-based UUIDs (RFC 9562 version 5: SHA-1) for deterministic STIX/MISP identifiers. */
import { createHash } from 'node:crypto';

/** gatewatch's own namespace for the ids it derives (a fixed random UUID). */
export const GATEWATCH_NS = '68af462b-8674-48c1-914c-5d4af8b65515';
/** The STIX 2.1 namespace for cyber-observable ids (spec section 2.9). */
export const STIX_SCO_NS = '00abedb4-aa42-466c-9c01-fed23315a9b7';

function uuidBytes(u: string): Buffer {
  return Buffer.from(u.replace(/-/g, ''), 'hex');
}

export function uuidv5(name: string, namespace: string = GATEWATCH_NS): string {
  const h = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
