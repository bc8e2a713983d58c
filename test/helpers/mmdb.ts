/**
 * A minimal writer for the MaxMind DB format (https://maxmind.github.io/MaxMind-DB/), enough to build
 * tiny test databases: IPv6 tree (IPv4 under ::/96), 24-bit records, maps/strings/uints/doubles/arrays.
 */
import { parseIPv4, parseIPv6 } from '../../src/net/ip';

type Value = string | number | boolean | Value[] | { [k: string]: Value } | { double: number } | { uint64: number };

function ctrl(type: number, size: number): Buffer {
  const parts: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) { sizeBits = 29; extra.push(size - 29); }
  else if (size < 65821) { sizeBits = 30; const v = size - 285; extra.push(v >> 8, v & 255); }
  else { sizeBits = 31; const v = size - 65821; extra.push((v >> 16) & 255, (v >> 8) & 255, v & 255); }
  if (type <= 7) parts.push((type << 5) | sizeBits);
  else parts.push(sizeBits, type - 7);
  return Buffer.from([...parts, ...extra]);
}

function uintBytes(n: number | bigint): Buffer {
  let b = BigInt(n);
  const out: number[] = [];
  while (b > 0n) { out.unshift(Number(b & 255n)); b >>= 8n; }
  return Buffer.from(out);
}

export function encode(v: Value): Buffer {
  if (typeof v === 'string') { const b = Buffer.from(v, 'utf8'); return Buffer.concat([ctrl(2, b.length), b]); }
  if (typeof v === 'boolean') return ctrl(14, v ? 1 : 0);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) { const b = Buffer.alloc(8); b.writeDoubleBE(v); return Buffer.concat([ctrl(3, 8), b]); }
    const b = uintBytes(v);
    return Buffer.concat([ctrl(v < 65536 ? 5 : 6, b.length), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  if ('double' in v && typeof v.double === 'number' && Object.keys(v).length === 1) {
    const b = Buffer.alloc(8); b.writeDoubleBE(v.double); return Buffer.concat([ctrl(3, 8), b]);
  }
  if ('uint64' in v && typeof v.uint64 === 'number' && Object.keys(v).length === 1) {
    const b = uintBytes(v.uint64); return Buffer.concat([ctrl(9, b.length), b]);
  }
  const keys = Object.keys(v);
  return Buffer.concat([ctrl(7, keys.length), ...keys.flatMap((k) => [encode(k), encode((v as Record<string, Value>)[k]!)])]);
}

interface TNode { c: [TNode | number | null, TNode | number | null]; id: number }

/** Bits of a network (IPv4 placed under ::/96) as a 0/1 array of its prefix length. */
function prefixBits(cidr: string): number[] {
  const [addr, lenText] = cidr.split('/');
  const bits: number[] = [];
  if (addr!.indexOf(':') < 0) {
    const n = parseIPv4(addr!);
    if (n < 0) throw new Error(`bad ${cidr}`);
    const len = lenText === undefined ? 32 : Number(lenText);
    for (let i = 0; i < 96; i++) bits.push(0);
    for (let i = 0; i < len; i++) bits.push((n >>> (31 - i)) & 1);
    return bits;
  }
  const g = parseIPv6(addr!);
  if (!g) throw new Error(`bad ${cidr}`);
  const len = lenText === undefined ? 128 : Number(lenText);
  for (let i = 0; i < len; i++) bits.push((g[i >> 4]! >> (15 - (i & 15))) & 1);
  return bits;
}

/** Build a .mmdb buffer holding `records` (network → value). Networks must not nest. */
export function buildMmdb(databaseType: string, records: { network: string; value: Value }[]): Buffer {
  const root: TNode = { c: [null, null], id: 0 };
  const nodes: TNode[] = [root];
  const datas: Buffer[] = [];
  let dataLen = 0;
  for (const r of records) {
    const bits = prefixBits(r.network);
    const enc = encode(r.value);
    const off = dataLen;
    datas.push(enc);
    dataLen += enc.length;
    let n = root;
    for (let i = 0; i < bits.length - 1; i++) {
      const b = bits[i]!;
      let next = n.c[b];
      if (next === null) { next = { c: [null, null], id: nodes.length }; nodes.push(next); n.c[b] = next; }
      if (typeof next === 'number') throw new Error('nested networks are not supported');
      n = next;
    }
    n.c[bits[bits.length - 1]!] = off;
  }
  const count = nodes.length;
  const tree = Buffer.alloc(count * 6);
  for (const n of nodes) {
    for (let side = 0; side < 2; side++) {
      const c = n.c[side];
      const v = c === null ? count : typeof c === 'number' ? count + 16 + c : (c as TNode).id;
      tree.writeUIntBE(v, n.id * 6 + side * 3, 3);
    }
  }
  const meta = encode({
    node_count: count,
    record_size: 24,
    ip_version: 6,
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: { uint64: 1700000000 },
    description: { en: 'gatewatch test database' },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...datas, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), meta]);
}
