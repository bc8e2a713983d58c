/**
 * IP address helpers for the hot path: parse without regular expressions, canonicalise IPv6
 * (RFC 5952) so the same address always prints the same, and compare without allocation.
 */

/**
 * The last two whole strings read by parseIPv4 and their numbers. An event's two addresses are read by
 * the parser (to check them), then by enrichment and by detection: the same two strings, one after the
 * other, so the later reads are a string comparison.
 */
let lastA = '', lastB = '';
/**
 * Their numbers, in a typed array: a number stored in a module variable is a heap number (most addresses are
 * above 2^31), so each store would allocate one and pay the write barrier of a new object stored into an old
 * one. The slot the next new string goes to alternates (one string stored per new address, not two shifted):
 * an event's two addresses, read in turn, stay side by side.
 */
const LAST_N = new Float64Array([-1, -1]);
let nextA = true;

/** IPv4 dotted quad to an unsigned 32-bit number, or -1 when it is not one. */
export function parseIPv4(s: string, start = 0, end = s.length): number {
  if (start !== 0 || end !== s.length) return scanIPv4(s, start, end);
  if (s === lastA) return LAST_N[0]!;
  if (s === lastB) return LAST_N[1]!;
  const n = scanIPv4(s, 0, end);
  remember(s, n);
  return n;
}

function remember(s: string, n: number): void {
  if (nextA) { lastA = s; LAST_N[0] = n; } else { lastB = s; LAST_N[1] = n; }
  nextA = !nextA;
}

/** For a stage that writes IPv4 text from the number (the analyze thread decoder): the pair parseIPv4 answers next. */
export function rememberIPv4(s: string, n: number): void {
  remember(s, n);
}

function scanIPv4(s: string, start: number, end: number): number {
  // One part at a time: a first digit, at most two more (none after a leading 0: ambiguous, octal in some
  // stacks), then a dot before each of the next three parts and nothing after the fourth.
  // ((c - 48) >>> 0 <= 9: one comparison for "is a digit")
  // (a range outside the text, or not numbers, is no address: the reads below must stay inside it)
  if (!(start >= 0 && end <= s.length)) return -1;
  let i = start, acc = 0;
  for (let k = 0; k < 4; k++) {
    if (i >= end) return -1;
    let v = s.charCodeAt(i) - 48;
    if ((v >>> 0) > 9) return -1;
    i++;
    if (i < end) {
      let c = s.charCodeAt(i) - 48;
      if ((c >>> 0) <= 9) {
        if (v === 0) return -1;
        v = v * 10 + c;
        i++;
        if (i < end) {
          c = s.charCodeAt(i) - 48;
          if ((c >>> 0) <= 9) {
            v = v * 10 + c;
            i++;
            if (v > 255) return -1;
          }
        }
      }
    }
    acc = acc * 256 + v;
    if (k < 3) {
      if (i >= end || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? acc : -1;
}

/** parseIPv4's answer for the ASCII text u[start, end) (bytes of the text, one per character), by scanIPv4's rules. */
export function parseIPv4Bytes(u: Uint8Array, start: number, end: number): number {
  if (!(start >= 0 && end <= u.length)) return -1;
  let i = start, acc = 0;
  for (let k = 0; k < 4; k++) {
    if (i >= end) return -1;
    let v = u[i]! - 48;
    if ((v >>> 0) > 9) return -1;
    i++;
    if (i < end) {
      let c = u[i]! - 48;
      if ((c >>> 0) <= 9) {
        if (v === 0) return -1;
        v = v * 10 + c;
        i++;
        if (i < end) {
          c = u[i]! - 48;
          if ((c >>> 0) <= 9) {
            v = v * 10 + c;
            i++;
            if (v > 255) return -1;
          }
        }
      }
    }
    acc = acc * 256 + v;
    if (k < 3) {
      if (i >= end || u[i] !== 46) return -1;
      i++;
    }
  }
  return i === end ? acc : -1;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * IPv6 text to eight 16-bit groups (a plain array), or null. Accepts "::", an embedded IPv4 tail,
 * a zone id ("%eth0", dropped) and brackets.
 */
export function parseIPv6(input: string): number[] | null {
  let s = input;
  if (s.length > 2 && s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.length > 45) return null;
  const head: number[] = [];
  const tail: number[] = [];
  let cur = head;
  let sawDouble = false;
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    sawDouble = true;
    cur = tail;
    i = 2;
    if (n === 2) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  while (i < n) {
    // Embedded IPv4 in the last 32 bits.
    let j = i;
    let val = 0;
    let len = 0;
    while (j < n) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      val = val * 16 + d;
      j++;
      if (++len > 4) return null;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      const v4 = parseIPv4(s, i, n);
      if (v4 < 0) return null;
      cur.push((v4 >>> 16) & 0xffff, v4 & 0xffff);
      i = n;
      break;
    }
    if (len === 0) return null;
    cur.push(val);
    if (j === n) { i = n; break; }
    if (s.charCodeAt(j) !== 58) return null;
    if (j + 1 < n && s.charCodeAt(j + 1) === 58) {
      if (sawDouble) return null;
      sawDouble = true;
      cur = tail;
      i = j + 2;
      if (i === n) break;
    } else {
      i = j + 1;
      if (i === n) return null;
    }
  }
  const total = head.length + tail.length;
  if (sawDouble) {
    if (total > 7) return null;
    const out = head.slice();
    for (let k = total; k < 8; k++) out.push(0);
    for (let k = 0; k < tail.length; k++) out[8 - tail.length + k] = tail[k]!;
    return out;
  }
  return total === 8 ? head : null;
}

/** RFC 5952 text for eight groups: lower case, longest zero run (≥2) compressed, IPv4-mapped kept dotted. */
export function formatIPv6(g: number[]): string {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6]! >>> 8}.${g[6]! & 255}.${g[7]! >>> 8}.${g[7]! & 255}`;
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { out += '::'; i += bestLen - 1; continue; }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += g[i]!.toString(16);
  }
  return out;
}

/**
 * The network of the first `bits` bits of an IPv6 address, as RFC 5952 text with its length
 * ("2001:db8:1:2::/64"), or undefined when `ip` is not IPv6. An IPv4-mapped address (::ffff:a.b.c.d) is not
 * grouped: it is one IPv4 host.
 */
export function ipv6Network(ip: string, bits: number): string | undefined {
  const g = parseIPv6(ip);
  if (g === null) return undefined;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return undefined;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    g[i] = keep === 16 ? g[i]! : keep === 0 ? 0 : g[i]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  return `${formatIPv6(g)}/${bits}`;
}

export type IpVersion = 4 | 6;

/**
 * Validate and canonicalise an address taken from a log. Returns the canonical text
 * (IPv4 unchanged, IPv6 per RFC 5952) or undefined when the text is not an address.
 */
export function canonicalIp(s: string | undefined): string | undefined {
  if (s === undefined || s.length === 0) return undefined;
  // IPv4 first, without a search for ':' (parseIPv4 stops at the first character it does not expect).
  if (parseIPv4(s) >= 0) return s;
  if (s.indexOf(':') < 0) return undefined;
  // IPv6: the canonical text of the addresses seen lately (a gateway logs the same hosts over and over),
  // '' for a text that is no address; bounded, and only for texts short enough to be one.
  if (s.length > 64) { const g = parseIPv6(s); return g ? formatIPv6(g) : undefined; }
  let r = v6Canonical.get(s);
  if (r === undefined) {
    const g = parseIPv6(s);
    r = g ? formatIPv6(g) : '';
    if (v6Canonical.size >= 1024) v6Canonical.clear();
    v6Canonical.set(s, r);
  }
  return r === '' ? undefined : r;
}
const v6Canonical = new Map<string, string>();

export function ipVersion(s: string): IpVersion | 0 {
  if (s.indexOf(':') >= 0) return parseIPv6(s) ? 6 : 0;
  return parseIPv4(s) >= 0 ? 4 : 0;
}

/** A CIDR block in a form that is cheap to test against. */
export interface Cidr {
  version: IpVersion;
  /** IPv4: [start, end] as unsigned numbers. IPv6: the first and last address as two 64-bit halves (bigint). */
  lo: bigint;
  hi: bigint;
  text: string;
}

function v6ToBig(g: number[]): bigint {
  let b = 0n;
  for (let i = 0; i < 8; i++) b = (b << 16n) | BigInt(g[i]!);
  return b;
}

export function ipToBigInt(s: string): { version: IpVersion; value: bigint } | null {
  if (s.indexOf(':') >= 0) {
    const g = parseIPv6(s);
    return g ? { version: 6, value: v6ToBig(g) } : null;
  }
  const n = parseIPv4(s);
  return n < 0 ? null : { version: 4, value: BigInt(n) };
}

/** Parse "a.b.c.d/n", "v6::/n" or a bare address (a /32 or /128). Host bits are masked off. */
export function parseCidr(text: string): Cidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash >= 0 ? t.slice(0, slash) : t;
  const ip = ipToBigInt(addr);
  if (!ip) return null;
  const bits = ip.version === 4 ? 32 : 128;
  let len = bits;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    len = Number(p);
    if (len > bits) return null;
  }
  const hostBits = BigInt(bits - len);
  const mask = hostBits === 0n ? 0n : (1n << hostBits) - 1n;
  const lo = ip.value & ~mask & ((1n << BigInt(bits)) - 1n);
  return { version: ip.version, lo, hi: lo | mask, text: `${ip.version === 4 ? formatIPv4(Number(lo)) : formatIPv6(bigToV6(lo))}/${len}` };
}

export function bigToV6(b: bigint): number[] {
  const g = new Array<number>(8);
  for (let i = 7; i >= 0; i--) { g[i] = Number(b & 0xffffn); b >>= 16n; }
  return g;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const v = ipToBigInt(ip);
  return !!v && v.version === c.version && v.value >= c.lo && v.value <= c.hi;
}
