/**
 * The organisation being watched: its own networks, its public addresses, WAN interfaces, time zone
 * and home country. Decides network.direction (inbound, outbound, internal, external).
 */
import type { Direction, GwEvent } from '../event';
import { isValidTimezone } from '../syslog/time';
import { IpSet, IpSetBuilder, parseCidrV4, parseCidrV6Hi } from './ipset';

export interface SiteSettings {
  name?: string;
  homeNets?: string[];
  publicAddresses?: string[];
  wanInterfaces?: string[];
  timezone?: string;
  homeCountry?: string;
}

/** Default home networks: RFC 1918, CGNAT (the ISP's side of many 4G routers), ULA and link-local. */
export const DEFAULT_HOME_NETS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10'];

/** Split "a, b\nc" into trimmed non-empty items (editor fields). */
export function splitList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  const parts = Array.isArray(v) ? v : v.split(/[\s,;]+/);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Is this text a CIDR block or an address (IPv4/IPv6)? */
export function isCidr(s: string): boolean {
  if (s.indexOf(':') >= 0) return parseCidrV6Hi(s) !== null;
  return parseCidrV4(s, [0, 0]);
}

export function isCountryCode(s: string): boolean {
  if (s.length !== 2) return false;
  const a = s.charCodeAt(0), b = s.charCodeAt(1);
  return a >= 65 && a <= 90 && b >= 65 && b <= 90;
}

/** Problems with the settings, as plain sentences (empty when all is well). */
export function validateSite(s: SiteSettings): string[] {
  const errs: string[] = [];
  for (const c of s.homeNets ?? []) if (!isCidr(c)) errs.push(`"${c}" is not a network (expected e.g. 192.168.1.0/24 or 2001:db8:1::/48)`);
  for (const c of s.publicAddresses ?? []) if (!isCidr(c)) errs.push(`"${c}" is not an IP address`);
  if (s.timezone && !isValidTimezone(s.timezone)) errs.push(`"${s.timezone}" is not a time zone (expected an IANA name such as Europe/London)`);
  if (s.homeCountry && !isCountryCode(s.homeCountry.toUpperCase())) errs.push(`"${s.homeCountry}" is not a two-letter country code (e.g. GB)`);
  return errs;
}

export class Site {
  readonly name: string;
  readonly timezone?: string;
  readonly homeCountry?: string;
  readonly homeNets: string[];
  readonly publicAddresses: string[];
  readonly wanInterfaces: ReadonlySet<string>;
  /** Home networks and the site's public addresses together. */
  private readonly home: IpSet;

  constructor(s: SiteSettings = {}) {
    const errs = validateSite(s);
    if (errs.length) throw new Error(`site settings: ${errs.join('; ')}`);
    this.name = s.name ?? '';
    this.timezone = s.timezone || undefined;
    this.homeCountry = s.homeCountry ? s.homeCountry.toUpperCase() : undefined;
    this.homeNets = s.homeNets?.length ? [...s.homeNets] : [...DEFAULT_HOME_NETS];
    this.publicAddresses = [...(s.publicAddresses ?? [])];
    this.wanInterfaces = new Set(s.wanInterfaces ?? []);
    const b = new IpSetBuilder();
    for (const c of this.homeNets) b.add(c, 0);
    for (const c of this.publicAddresses) b.add(c, 1);
    this.home = b.build();
  }

  /** Does this address belong to the organisation (home network or one of its public addresses)? */
  isHome(ip: string): boolean { return this.home.match(ip) !== 0; }

  /** Is this one of the site's own public addresses? */
  isOwnPublic(ip: string): boolean { return (this.home.match(ip) & 2) !== 0; }

  /**
   * Direction from the addresses; when neither is home (e.g. the WAN address changed and is not listed),
   * traffic that entered on a WAN interface is inbound, traffic that left on one is outbound.
   */
  direction(ev: GwEvent): Direction | undefined {
    return this.directionOf(ev, -1, -1);
  }

  /**
   * `direction` with the addresses already parsed: `sn`/`dn` are the source/destination IPv4 numbers,
   * or -1 when not IPv4 (then the text is matched).
   */
  directionOf(ev: GwEvent, sn: number, dn: number): Direction | undefined {
    // Events built by hand in a flow may carry anything: only strings are addresses.
    const s = typeof ev.source.ip === 'string' ? ev.source.ip : undefined;
    const d = typeof ev.destination.ip === 'string' ? ev.destination.ip : undefined;
    const sh = s !== undefined && (sn >= 0 ? this.home.matchV4(sn) : this.home.match(s)) !== 0;
    const dh = d !== undefined && (dn >= 0 ? this.home.matchV4(dn) : this.home.match(d)) !== 0;
    if (sh && dh) return 'internal';
    if (sh) return 'outbound';
    if (dh) return 'inbound';
    if (this.wanInterfaces.size) {
      const inIf = ev.observer?.ingress?.interface?.name;
      if (inIf !== undefined && this.wanInterfaces.has(inIf)) return 'inbound';
      const outIf = ev.observer?.egress?.interface?.name;
      if (outIf !== undefined && this.wanInterfaces.has(outIf)) return 'outbound';
    }
    if (s === undefined && d === undefined) return undefined;
    return 'external';
  }

  /** The external party of an event: the source when inbound, the destination when outbound. */
  remoteSide(ev: GwEvent): 'source' | 'destination' | 'both' | 'none' {
    switch (ev.network.direction ?? this.direction(ev)) {
      case 'inbound': return 'source';
      case 'outbound': return 'destination';
      case 'internal': return 'none';
      default: return 'both';
    }
  }
}
