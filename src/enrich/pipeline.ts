/**
 * The enrichment stage as one object: address scope, direction (from the site), geo/AS, reputation.
 * INTERFACE CONTRACT (used by analyze, detect, report, share): `await Enricher.create(opts)` then
 * synchronous `enrich(ev)` per event.
 */
import type { GwEvent } from '../event';
import { GeoLookup, GeoSides } from './geo';
import { loadFeedFiles } from './feeds';
import { ReputationIndex } from './reputation';
import { addressScope, scopeV4 } from './scope';
import { parseIPv4 } from '../net/ip';
import { DEFAULT_HOME_NETS as SITE_DEFAULT_HOME_NETS, Site } from './site';

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
  /** Which side(s) get geo: 'both' (default), 'source', 'destination', 'remote' (the external party). */
  geoSides?: GeoSides;
  /** Distinct addresses kept in the geo cache (default 50 000). */
  geoCacheSize?: number;
  /** MaxMind-format databases (.mmdb): a city database replaces geoip-lite; an ASN database adds AS fields. */
  cityDb?: string;
  asnDb?: string;
  /** Match private/loopback/link-local/CGNAT addresses against the lists too (default false). */
  matchLocalOnFeeds?: boolean;
  /** Events share the cached geo/AS objects (frozen) instead of getting copies; see GeoOptions.share. */
  shareGeo?: boolean;
  /** An already built reputation index (the Node-RED feeds node passes its own). */
  reputation?: ReputationIndex;
}

export const DEFAULT_HOME_NETS = SITE_DEFAULT_HOME_NETS;

export class Enricher {
  readonly site: Site;
  readonly geo: GeoLookup;
  reputation: ReputationIndex;

  private constructor(site: Site, geo: GeoLookup, reputation: ReputationIndex) {
    this.site = site;
    this.geo = geo;
    this.reputation = reputation;
  }

  static async create(opts: EnrichOptions = {}): Promise<Enricher> {
    const site = new Site(opts.site ?? {});
    const geo = await GeoLookup.create({
      mode: opts.geo ?? 'city', sides: opts.geoSides ?? 'both', cacheSize: opts.geoCacheSize, cityDb: opts.cityDb, asnDb: opts.asnDb,
      share: opts.shareGeo,
    });
    let rep = opts.reputation;
    if (!rep) {
      const feeds = opts.feeds?.length ? loadFeedFiles(opts.feeds) : [];
      rep = ReputationIndex.build(feeds.map((f) => ({ name: f.def.name, parsed: f.parsed })), { matchLocal: !!opts.matchLocalOnFeeds, site });
    }
    return new Enricher(site, geo, rep);
  }

  isHome(ip: string): boolean {
    return this.site.isHome(ip);
  }

  /** Scope, direction, geo/AS and reputation, in place; returns the same event. */
  enrich(ev: GwEvent): GwEvent {
    const s = ev.source.ip, d = ev.destination.ip;
    // Each address is parsed once here and the number reused (scope, direction, reputation).
    const sn = typeof s === 'string' && s.indexOf(':') < 0 ? parseIPv4(s) : -1;
    const dn = typeof d === 'string' && d.indexOf(':') < 0 ? parseIPv4(d) : -1;
    if (typeof s === 'string' && ev.source.address_scope === undefined) {
      const sc = sn >= 0 ? scopeV4(sn) : addressScope(s);
      if (sc) ev.source.address_scope = sc;
    }
    if (typeof d === 'string' && ev.destination.address_scope === undefined) {
      const sc = dn >= 0 ? scopeV4(dn) : addressScope(d);
      if (sc) ev.destination.address_scope = sc;
    }
    const dir = this.site.directionOf(ev, sn, dn);
    if (dir) ev.network.direction = dir;
    this.geo.enrichOf(ev, sn, dn);
    this.reputation.enrichOf(ev, sn, dn);
    return ev;
  }
}
