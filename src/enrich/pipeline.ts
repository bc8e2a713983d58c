/**
 * The enrichment stage as one object: address scope, direction (from the site), geo/AS, reputation.
 * INTERFACE CONTRACT (used by analyze, detect, report, share): `await Enricher.create(opts)` then
 * synchronous `enrich(ev)` per event. This first version only sets direction from home networks;
 * the enrichment work replaces the body, keeping the interface.
 */
import type { GwEvent } from '../event';
import { parseCidr, cidrContains, Cidr } from '../net/ip';

export interface SiteConfig {
  name?: string;
  /** The organisation's own networks (CIDR, IPv4 and IPv6). Default: RFC 1918, CGNAT, ULA, link-local. */
  homeNets?: string[];
  /** The organisation's public addresses (its WAN IPs). */
  publicAddresses?: string[];
  /** WAN interface names (e.g. eth0, ppp0, wan). */
  wanInterfaces?: string[];
  /** IANA timezone for reports and zoneless log times. */
  timezone?: string;
  /** ISO country code of the site (reports split home country vs abroad). */
  homeCountry?: string;
}

export interface EnrichOptions {
  site?: SiteConfig;
  /** 'city' (default), 'country' (lighter), or 'off'. */
  geo?: 'city' | 'country' | 'off';
  /** Reputation lists on disk: files, or folders meaning every list inside. */
  feeds?: string[];
}

export const DEFAULT_HOME_NETS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10'];

export class Enricher {
  private readonly home: Cidr[];
  private constructor(opts: EnrichOptions) {
    this.home = (opts.site?.homeNets?.length ? opts.site.homeNets : DEFAULT_HOME_NETS)
      .map((c) => parseCidr(c))
      .filter((c): c is Cidr => c !== null);
  }

  static async create(opts: EnrichOptions = {}): Promise<Enricher> {
    return new Enricher(opts);
  }

  isHome(ip: string): boolean {
    return this.home.some((c) => cidrContains(c, ip));
  }

  enrich(ev: GwEvent): GwEvent {
    const s = ev.source.ip, d = ev.destination.ip;
    if (s !== undefined && d !== undefined) {
      const sh = this.isHome(s), dh = this.isHome(d);
      ev.network.direction = sh ? (dh ? 'internal' : 'outbound') : (dh ? 'inbound' : 'external');
    }
    return ev;
  }
}
