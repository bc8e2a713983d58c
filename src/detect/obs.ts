/**
 * One event as the detectors see it: the fields they need, read once from the ECS event.
 * The engine reuses a single Obs object, so detectors must not keep a reference to it.
 */
import type { Direction, GwEvent, ThreatEnrichment } from '../event';

export const SYN = 1, ACK = 2, FIN = 4, RST = 8, PSH = 16, URG = 32, ECE = 64, CWR = 128;
const FLAG_BITS: Record<string, number> = { SYN, ACK, FIN, RST, PSH, URG, ECE, CWR };

export interface Obs {
  ev: GwEvent;
  /** Event time, ms since epoch (after the sender's clock correction). */
  t: number;
  /** Which gateway reported it. */
  observer: string;
  src: string;
  dst: string;
  /** The addresses as IPv4 numbers, or -1 (IPv6, or not an address). */
  sn: number;
  dn: number;
  sport: number;
  /** Destination port, or for ICMP 10000+type (so a ping sweep is "one port"), or -1. */
  dport: number;
  transport: string;
  allowed: boolean;
  direction: Direction;
  /** TCP flags as bits, or -1 when not TCP or not logged. */
  flags: number;
  /** False for a SYN without TCP options (stateless scanners such as Masscan). */
  tcpOptions: boolean | undefined;
  /**
   * A SYN carrying the operating system's full option set (MSS, SACK, timestamps, window scale: an IPv4
   * packet of 52 bytes or more), as connect() sends it. nmap's raw SYN scan sends 44 bytes (MSS only).
   */
  fullSyn: boolean;
  /** How many packets/connections this event stands for. */
  packets: number;
  badSrc: ThreatEnrichment[] | undefined;
  badDst: ThreatEnrichment[] | undefined;
}

export function flagBits(flags: string[] | undefined): number {
  if (!Array.isArray(flags)) return -1;
  let b = 0;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (f === 'SYN') b |= SYN;
    else if (f === 'ACK') b |= ACK;
    else if (f === 'FIN') b |= FIN;
    else if (f === 'RST') b |= RST;
    else if (f === 'PSH') b |= PSH;
    else if (f === 'URG') b |= URG;
    else b |= FLAG_BITS[f] ?? 0;
  }
  return b;
}

export type ScanKind = 'syn' | 'fin' | 'xmas' | 'null' | 'ack' | 'connect' | 'udp' | 'icmp' | 'other';
export const SCAN_KINDS: ScanKind[] = ['syn', 'fin', 'xmas', 'null', 'ack', 'connect', 'udp', 'icmp', 'other'];

/** The nmap-style scan type this packet belongs to (psad's flag table, plus ACK, UDP and connect). */
export function scanKind(o: Obs): number {
  const t = o.transport;
  if (t === 'tcp') {
    const f = o.flags;
    if (f < 0 || o.allowed) return 5; // connect
    const g = f & ~(ECE | CWR);
    if (g === SYN) return o.fullSyn ? 5 : 0;
    if (g === FIN) return 1;
    if (g === (FIN | PSH | URG)) return 2;
    if (g === 0) return 3;
    if (g === ACK) return 4;
    return 8;
  }
  if (t === 'udp' || t === 'udplite') return 6;
  if (t === 'icmp' || t === 'ipv6-icmp') return 7;
  return 8;
}

/** Service ports whose late replies (after the firewall forgot the connection) hit random high ports. */
const REPLY_SPORTS = new Uint8Array(65536);
for (const p of [53, 80, 123, 443, 853, 993, 995, 465, 587, 3478, 5228, 19302, 500, 4500, 1900, 5353]) REPLY_SPORTS[p] = 1;

/**
 * A packet that looks like a late or stray reply to something we started (a web server's FIN/ACK
 * after the connection timed out, a DNS answer arriving late), not a probe. These are the classic
 * source of false port-scan alarms on busy networks.
 */
export function looksLikeReply(o: Obs): boolean {
  if (o.sport < 0 || o.dport < 1024) return false;
  const t = o.transport;
  if (t === 'tcp') {
    if (!(o.sport < 1024 || REPLY_SPORTS[o.sport] === 1)) return false;
    return o.flags < 0 || (o.flags & (ACK | RST)) !== 0;
  }
  if (t === 'udp') return REPLY_SPORTS[o.sport] === 1;
  return false;
}
