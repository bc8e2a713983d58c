/**
 * The normalised gatewatch event: the shape of msg.payload after `parse`.
 * Field names follow the Elastic Common Schema (ECS) so events can be indexed as they are;
 * vendor extras without an ECS name live under `gatewatch`.
 */

export type Action = 'allow' | 'deny';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';
export type AddressScope =
  | 'public' | 'private' | 'loopback' | 'link-local' | 'cgnat' | 'multicast' | 'broadcast' | 'reserved' | 'unspecified';

export interface GeoFields {
  country_iso_code?: string;
  country_name?: string;
  region_iso_code?: string;
  region_name?: string;
  city_name?: string;
  location?: { lat: number; lon: number };
  timezone?: string;
}

export interface Endpoint {
  ip?: string;
  port?: number;
  mac?: string;
  /** gatewatch extension: what kind of address this is (set by the geoip stage). */
  address_scope?: AddressScope;
  geo?: GeoFields;
  as?: { number?: number; organization?: { name?: string } };
  /** Addresses after NAT, when the firewall logs them (ECS source.nat.ip / destination.nat.ip). */
  nat?: { ip?: string; port?: number };
  user?: { name?: string };
}

export interface ThreatEnrichment {
  indicator: { ip: string; type?: 'ipv4-addr' | 'ipv6-addr'; provider: string; description?: string; confidence?: string };
  matched: { field: 'source.ip' | 'destination.ip'; atomic: string; type: 'indicator_match_rule' };
  feed?: { name: string };
}

export interface GwEvent {
  '@timestamp': string;
  event: {
    /**
     * 'event' for a connection or packet record; 'alert' for a record about content inside a session that
     * another record of the same gateway already logs (an IPS or URL-filter hit): shown and reported, but
     * not counted again by detection.
     */
    kind: 'event' | 'alert';
    category: ['network'];
    type: string[];
    action: Action;
    outcome?: 'success' | 'failure' | 'unknown';
    dataset: string;
    code?: string;
    original?: string;
    severity?: number;
  };
  observer: {
    vendor: string;
    product: string;
    type: 'firewall';
    hostname?: string;
    ingress?: { interface: { name: string } };
    egress?: { interface: { name: string } };
  };
  source: Endpoint;
  destination: Endpoint;
  network: {
    transport?: string;
    iana_number?: string;
    type?: 'ipv4' | 'ipv6';
    direction?: Direction;
    bytes?: number;
    packets?: number;
  };
  rule?: { name?: string; id?: string };
  threat?: { enrichments: ThreatEnrichment[] };
  gatewatch?: GatewatchExtras;
}

export interface GatewatchExtras {
  /** TCP flags as upper-case names: SYN, ACK, FIN, RST, PSH, URG, ECE, CWR. */
  tcp_flags?: string[];
  /** False when the log shows a SYN without TCP options (Masscan and similar stateless scanners). */
  tcp_options?: boolean;
  icmp?: { type?: number; code?: number };
  ttl?: number;
  length?: number;
  /**
   * Where the sender's clock is wrong (live syslog; see src/syslog/clock-watch.ts), the seconds added to its
   * timestamps, and the time it wrote itself.
   */
  clock_skew_s?: number;
  device_time?: string;
  /** The address the log came from (the syslog sender), when known. */
  reporter?: string;
  /** Set by reputation: AbuseIPDB's view of the remote address. */
  abuseipdb?: { score: number; usage_type?: string; reports?: number; isp?: string };
  /** Session duration in seconds, where the vendor logs it. */
  duration_s?: number;
  /** Application or service name the firewall identified (App-ID, FortiGuard app …). */
  app?: string;
  [k: string]: unknown;
}

const IANA: Record<string, string> = {
  icmp: '1', igmp: '2', tcp: '6', udp: '17', gre: '47', esp: '50', ah: '51', 'ipv6-icmp': '58', sctp: '132',
  ospf: '89', pim: '103', vrrp: '112', carp: '112', l2tp: '115', 'udplite': '136', ipip: '4', ipv6: '41', egp: '8', rsvp: '46',
};
const NUM_TO_NAME: Record<string, string> = {
  '1': 'icmp', '2': 'igmp', '4': 'ipip', '6': 'tcp', '8': 'egp', '17': 'udp', '41': 'ipv6', '46': 'rsvp', '47': 'gre', '50': 'esp',
  '51': 'ah', '58': 'ipv6-icmp', '89': 'ospf', '103': 'pim', '112': 'vrrp', '115': 'l2tp', '132': 'sctp', '136': 'udplite',
};

/** Lower-case transport name from whatever a vendor wrote: "TCP", "6", "ICMPv6", "icmp6" … */
export function normaliseTransport(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let t = raw.trim().toLowerCase();
  if (t === '') return undefined;
  if (t.charCodeAt(0) >= 48 && t.charCodeAt(0) <= 57) return Object.hasOwn(NUM_TO_NAME, t) ? NUM_TO_NAME[t]! : t;
  if (t === 'icmpv6' || t === 'icmp6' || t === 'ipv6icmp' || t === 'ipv6_icmp') t = 'ipv6-icmp';
  else if (t === 'udp-lite' || t === 'udplite') t = 'udplite';
  return t;
}

export function ianaNumber(transport: string | undefined): string | undefined {
  return transport === undefined || !Object.hasOwn(IANA, transport) ? undefined : IANA[transport];
}

// Shared, frozen arrays for the fixed ECS categorisation: one allocation per process, not per event.
const CATEGORY: ['network'] = Object.freeze(['network']) as unknown as ['network'];
const TYPE_ALLOWED = Object.freeze(['connection', 'allowed']) as unknown as string[];
const TYPE_DENIED = Object.freeze(['connection', 'denied']) as unknown as string[];

/** A new event with the fixed parts filled in; parsers set the rest. */
export function newEvent(dataset: string, vendor: string, product: string, timestamp: string, action: Action): GwEvent {
  return {
    '@timestamp': timestamp,
    event: {
      kind: 'event', category: CATEGORY, type: action === 'deny' ? TYPE_DENIED : TYPE_ALLOWED, action,
      outcome: action === 'deny' ? 'failure' : 'success', dataset,
    },
    observer: { vendor, product, type: 'firewall' },
    source: {},
    destination: {},
    network: {},
  };
}

/**
 * The `event` part of what newEvent gives, for a parser that builds the rest of its event in one go
 * (fixed-size objects, no property added afterwards). The same keys in the same order as newEvent.
 */
export function eventPart(dataset: string, action: Action): GwEvent['event'] {
  return {
    kind: 'event', category: CATEGORY, type: action === 'deny' ? TYPE_DENIED : TYPE_ALLOWED, action,
    outcome: action === 'deny' ? 'failure' : 'success', dataset,
  };
}

/** A transport as written by a vendor, normalised once: the name and its IANA number (bounded cache). */
export interface TransportInfo { t: string; n: string | undefined }
const transportCache = new Map<string, TransportInfo | null>();

/** What setTransport would set for `raw`: the ECS name and IANA number, or null when it sets nothing. */
export function transportOf(raw: string): TransportInfo | null {
  let info = transportCache.get(raw);
  if (info === undefined) {
    const t = normaliseTransport(raw);
    info = t === undefined ? null : { t, n: Object.hasOwn(IANA, t) ? IANA[t] : undefined };
    if (transportCache.size > 512) transportCache.clear();
    transportCache.set(raw, info);
  }
  return info;
}

/** ICMP or ICMPv6: what such a record prints in its port positions is an identifier or type/code, not a port. */
export function isIcmp(transport: string | undefined): boolean {
  return transport === 'icmp' || transport === 'ipv6-icmp';
}

/** Set network.transport and network.iana_number together. */
export function setTransport(ev: GwEvent, raw: string | undefined): void {
  if (raw === undefined) return;
  const info = transportOf(raw);
  if (info === null) return;
  ev.network.transport = info.t;
  if (info.n !== undefined) ev.network.iana_number = info.n;
}

const TYPE_START = Object.freeze(['connection', 'start', 'allowed']) as unknown as string[];
const TYPE_END = Object.freeze(['connection', 'end', 'allowed']) as unknown as string[];

/**
 * Mark an allowed connection record as the start or the end of a session. Gateways that log a connection
 * when it opens and again when it closes (ASA Built/Teardown, SRX create/close, PAN-OS and FortiGate with
 * "log at session start") would otherwise have it counted twice; the detection engine counts the end only
 * for a gateway that never sends starts.
 */
export function markSession(ev: GwEvent, phase: 'start' | 'end'): void {
  if (ev.event.action === 'allow') ev.event.type = phase === 'start' ? TYPE_START : TYPE_END;
}

/** Common ECS event.type for an allow/deny. */
export function markAction(ev: GwEvent, action: Action): void {
  ev.event.action = action;
  ev.event.type = action === 'deny' ? TYPE_DENIED : TYPE_ALLOWED;
  ev.event.outcome = action === 'deny' ? 'failure' : 'success';
}
