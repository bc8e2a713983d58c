/**
 * What kind of address is this? public, private (RFC 1918 / ULA), loopback, link-local, CGNAT,
 * multicast, broadcast, reserved (bogons: documentation, benchmarking, 240/4 …) or unspecified.
 * IPv4 is classified with integer compares on the parsed number (no allocation).
 */
import type { AddressScope } from '../event';
import { parseIPv4, parseIPv6 } from '../net/ip';

/** Scope of an IPv4 address given as an unsigned 32-bit number. */
export function scopeV4(n: number): AddressScope {
  const a = n >>> 24;
  if (a === 0) return n === 0 ? 'unspecified' : 'reserved'; // 0/8 "this network"
  if (a === 10) return 'private';
  if (a === 127) return 'loopback';
  if (a >= 224) {
    if (a < 240) return 'multicast';
    return n === 0xffffffff ? 'broadcast' : 'reserved'; // 240/4
  }
  const b = (n >>> 16) & 255;
  switch (a) {
    case 100: return b >= 64 && b < 128 ? 'cgnat' : 'public'; // 100.64/10
    case 169: return b === 254 ? 'link-local' : 'public';
    case 172: return b >= 16 && b < 32 ? 'private' : 'public';
    case 192: {
      if (b === 168) return 'private';
      if (b === 0) {
        const c = (n >>> 8) & 255;
        if (c === 0 || c === 2) return 'reserved'; // 192.0.0/24 IETF protocol, 192.0.2/24 TEST-NET-1
        return 'public';
      }
      if (b === 88 && ((n >>> 8) & 255) === 99) return 'reserved'; // 192.88.99/24 deprecated 6to4 relay
      return 'public';
    }
    case 198: {
      if (b === 18 || b === 19) return 'reserved'; // 198.18/15 benchmarking
      if (b === 51 && ((n >>> 8) & 255) === 100) return 'reserved'; // TEST-NET-2
      return 'public';
    }
    case 203: return b === 0 && ((n >>> 8) & 255) === 113 ? 'reserved' : 'public'; // TEST-NET-3
    default: return 'public';
  }
}

/** Scope of an IPv6 address given as eight 16-bit groups. */
export function scopeV6(g: number[]): AddressScope {
  const g0 = g[0]!;
  if (g0 === 0) {
    if (g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
      if (g[5] === 0 && g[6] === 0) {
        if (g[7] === 0) return 'unspecified';
        if (g[7] === 1) return 'loopback';
        return 'reserved'; // deprecated IPv4-compatible
      }
      if (g[5] === 0xffff) return scopeV4(((g[6]! << 16) | g[7]!) >>> 0); // IPv4-mapped: the IPv4 address's scope
    }
    return 'reserved'; // rest of ::/8
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 ULA
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'reserved'; // fec0::/10 deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x3fff && g[1]! < 0x1000) return 'reserved'; // 3fff::/20 documentation (RFC 9637)
  if (g0 === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'reserved'; // 100::/64 discard-only
  if (g0 === 0x2001 && g[1]! < 0x0200) {
    // 2001::/23 IETF protocol assignments, except the globally reachable ones carved out of it.
    if (g[1] === 0) return 'public'; // 2001::/32 Teredo
    return 'reserved';
  }
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'; // outside 2000::/3 global unicast
  return 'public';
}

/** Scope of an address in text form, or undefined when the text is not an address. */
export function addressScope(ip: string): AddressScope | undefined {
  if (ip.indexOf(':') < 0) {
    const n = parseIPv4(ip);
    return n < 0 ? undefined : scopeV4(n);
  }
  const g = parseIPv6(ip);
  return g ? scopeV6(g) : undefined;
}

/** Scopes that are somebody's own local network: never treated as a remote party, never "known bad" by default. */
export const LOCAL_SCOPES: ReadonlySet<AddressScope> = new Set<AddressScope>([
  'private', 'loopback', 'link-local', 'cgnat', 'multicast', 'broadcast', 'unspecified',
]);

/** The blocks of LOCAL_SCOPES, for excluding them from reputation lists at build time. */
export const LOCAL_BLOCKS: readonly string[] = [
  '0.0.0.0/32', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16',
  '224.0.0.0/4', '255.255.255.255/32',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
];
