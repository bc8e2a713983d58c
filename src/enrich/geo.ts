/**
 * Where is an address? Country, region, city, location and time zone for PUBLIC addresses, from the
 * geoip-lite data bundled with the package (loaded once per process, on first use), or from MaxMind-
 * format .mmdb files the user downloads (GeoLite2-City / DB-IP lite; GeoLite2-ASN adds the network
 * owner). Each distinct address is looked up once: a bounded cache keyed by address.
 */
import { copyFileSync, mkdirSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Endpoint, GeoFields, GwEvent } from '../event';
import { parseIPv4 } from '../net/ip';
import { addressScope } from './scope';

export type GeoMode = 'city' | 'country' | 'off';
export type GeoSides = 'source' | 'destination' | 'both' | 'remote';

export interface GeoOptions {
  /** 'city' (default): full geoip-lite data (~150 MB RAM); 'country': country data only (~25 MB); 'off'. */
  mode?: GeoMode;
  /** Which side(s) to enrich; 'remote' = the external party, from network.direction. Default 'both'. */
  sides?: GeoSides;
  /** Distinct addresses remembered (default 50 000). */
  cacheSize?: number;
  /** A MaxMind-format city (or country) database; used instead of geoip-lite when given. */
  cityDb?: string;
  /** A MaxMind-format ASN database (GeoLite2-ASN, DB-IP ASN lite): adds *.as.number / *.as.organization.name. */
  asnDb?: string;
  /**
   * Events get the cached (frozen) geo/AS objects themselves instead of copies: less work and garbage
   * per event, for callers where nothing edits an event's geo afterwards (offline analysis). Default false.
   */
  share?: boolean;
}

export interface GeoAnswer {
  geo?: GeoFields;
  as?: { number?: number; organization?: { name?: string } };
}

interface GeoipLite {
  /** A string address, or an IPv4 address as an unsigned number. `range` is the IPv4 block the answer holds for. */
  lookup(ip: string | number): null | { range?: [number, number] | ''; country: string; region: string; city: string; timezone: string; ll: [number | null, number | null] };
}

let geoipLite: GeoipLite | null = null;
let geoipLiteMode: 'city' | 'country' | null = null;

/**
 * The geoip-lite module, loaded once per process. 'country' mode points geoip-lite at a folder holding
 * only the country files, so the city data (~140 MB) is never read; the first mode loaded wins for the
 * life of the process (a later 'city' request then gets country answers, see `loadedGeoipMode`).
 */
export function geoipLiteModule(mode: 'city' | 'country'): GeoipLite {
  if (geoipLite) return geoipLite;
  const g = globalThis as { geodatadir?: string };
  const saved = g.geodatadir;
  if (mode === 'country') {
    const dataDir = join(dirname(require.resolve('geoip-lite/package.json')), 'data');
    const dir = join(tmpdir(), `gatewatch-geoip-country-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true });
    for (const f of ['geoip-country.dat', 'geoip-country6.dat']) {
      const link = join(dir, f);
      if (!existsSync(link)) {
        try { symlinkSync(join(dataDir, f), link); } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST') copyFileSync(join(dataDir, f), link); // no symlinks allowed (Windows): copy the ~14 MB instead
        }
      }
    }
    g.geodatadir = dir;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    geoipLite = require('geoip-lite') as GeoipLite;
    geoipLiteMode = mode;
  } finally {
    if (mode === 'country') { if (saved === undefined) delete g.geodatadir; else g.geodatadir = saved; }
  }
  return geoipLite;
}

export function loadedGeoipMode(): 'city' | 'country' | null { return geoipLiteMode; }

let displayNames: Intl.DisplayNames | null = null;
const countryNames = new Map<string, string>();

/** English country name for an ISO 3166-1 alpha-2 code (Intl.DisplayNames, no data file). */
export function countryName(code: string): string | undefined {
  let n = countryNames.get(code);
  if (n !== undefined) return n || undefined;
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
    n = displayNames.of(code) ?? '';
  } catch { n = ''; }
  if (n === code || n === 'Unknown Region') n = '';
  if (countryNames.size < 1000) countryNames.set(code, n);
  return n || undefined;
}

/**
 * A bounded cache in two generations: new entries go to `young`; when it holds half the cap it becomes
 * `old` and the previous `old` is dropped. A hit in `old` is promoted. Memory never exceeds `cap`
 * entries and recently used addresses survive (an LRU approximation with O(1) work per call).
 */
export class BoundedCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;
  hits = 0;
  misses = 0;
  constructor(readonly cap: number) { this.half = Math.max(1, Math.floor(cap / 2)); }

  get(k: string): V | undefined {
    let v = this.young.get(k);
    if (v !== undefined) { this.hits++; return v; }
    v = this.old.get(k);
    if (v !== undefined) { this.hits++; this.set(k, v); return v; }
    this.misses++;
    return undefined;
  }

  set(k: string, v: V): void {
    if (this.young.size >= this.half) { this.old = this.young; this.young = new Map(); }
    this.young.set(k, v);
  }

  get size(): number { return this.young.size + this.old.size; }
  clear(): void { this.young.clear(); this.old.clear(); }
}

interface MmdbReader { get(ip: string): unknown }

interface CityRecord {
  country?: { iso_code?: string; names?: Record<string, string> };
  registered_country?: { iso_code?: string; names?: Record<string, string> };
  subdivisions?: { iso_code?: string; names?: Record<string, string> }[];
  city?: { names?: Record<string, string> };
  location?: { latitude?: number; longitude?: number; time_zone?: string };
}
interface AsnRecord { autonomous_system_number?: number; autonomous_system_organization?: string }

const NONE: GeoAnswer = Object.freeze({}) as GeoAnswer;

/** A copy of a cache key that keeps no view into the log text it was cut from (V8 slices ≥ 13 characters). */
function flat(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export class GeoLookup {
  readonly mode: GeoMode;
  readonly sides: GeoSides;
  readonly cache: BoundedCache<GeoAnswer>;
  readonly share: boolean;
  private lite: GeoipLite | null = null;
  lookups = 0;
  /**
   * geoip-lite IPv4 answers per /24 (key: the address's top 24 bits), for the /24s that lie wholly in one
   * of its ranges (nearly all): every address of such a /24 has the same answer, so one look-up serves
   * the whole block and the key is a small integer (no string hashing). Two generations, like BoundedCache.
   */
  private blocks = new Map<number, GeoAnswer>();
  private oldBlocks = new Map<number, GeoAnswer>();
  /** One answer object per distinct answer (many addresses share a place): fewer objects kept. */
  private readonly answers = new Map<string, GeoAnswer>();

  private constructor(opts: GeoOptions, private readonly city: MmdbReader | null, private readonly asn: MmdbReader | null) {
    this.mode = opts.mode ?? 'city';
    this.sides = opts.sides ?? 'both';
    this.share = opts.share === true;
    this.cache = new BoundedCache(opts.cacheSize && opts.cacheSize > 0 ? opts.cacheSize : 50000);
  }

  /** Opens the .mmdb files (if any); geoip-lite is loaded lazily on the first lookup. */
  static async create(opts: GeoOptions = {}): Promise<GeoLookup> {
    let city: MmdbReader | null = null, asn: MmdbReader | null = null;
    if (opts.mode !== 'off') {
      if (opts.cityDb || opts.asnDb) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const maxmind = require('maxmind') as typeof import('maxmind');
        if (opts.cityDb) city = await maxmind.open(opts.cityDb);
        if (opts.asnDb) asn = await maxmind.open(opts.asnDb);
      }
    }
    return new GeoLookup(opts, city, asn);
  }

  /** Load geoip-lite now (it is otherwise loaded on the first public address). */
  preload(): void {
    if (this.mode !== 'off' && !this.city && !this.lite) this.lite = geoipLiteModule(this.mode);
  }

  /** Geo/AS answer for a public address (cached); `{}` when nothing is known. */
  lookup(ip: string): GeoAnswer {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const a = this.settle(this.lookupUncached(ip));
    this.cache.set(flat(ip), a);
    return a;
  }

  /**
   * `lookup` for an IPv4 address whose number `n` is known. With the bundled geoip-lite data and no ASN
   * database, answers are cached per /24 (see `blocks`); otherwise this is `lookup(ip)`.
   */
  lookupV4(ip: string, n: number): GeoAnswer {
    if (this.city || this.asn || this.mode === 'off') return this.lookup(ip);
    const b = n >>> 8;
    let a = this.blocks.get(b);
    if (a !== undefined) { this.cache.hits++; return a; }
    a = this.oldBlocks.get(b);
    if (a !== undefined) { this.cache.hits++; this.setBlock(b, a); return a; }
    a = this.cache.get(ip);
    if (a !== undefined) return a;
    this.lookups++;
    this.lite ??= geoipLiteModule(this.mode);
    const r = this.lite.lookup(n);
    a = this.liteAnswer(r);
    const lo = (b << 8) >>> 0;
    if (r && r.range && r.range[0] <= lo && r.range[1] >= lo + 255) this.setBlock(b, a);
    else this.cache.set(flat(ip), a);
    return a;
  }

  private setBlock(b: number, a: GeoAnswer): void {
    if (this.blocks.size >= this.cache.cap >> 1) { this.oldBlocks = this.blocks; this.blocks = new Map(); }
    this.blocks.set(b, a);
  }

  /** The answer for a geoip-lite record, shared by every address with the same one. */
  private liteAnswer(r: ReturnType<GeoipLite['lookup']>): GeoAnswer {
    if (!r || !r.country) return NONE;
    const city = this.mode === 'city';
    const key = city ? `${r.country}|${r.region}|${r.city}|${r.timezone}|${r.ll[0]}|${r.ll[1]}` : `${r.country}|${r.timezone}`;
    let a = this.answers.get(key);
    if (a !== undefined) return a;
    a = this.settle({ geo: liteGeo(r, city) });
    if (this.answers.size >= 65536) this.answers.clear();
    this.answers.set(key, a);
    return a;
  }

  /** A cached answer as events will share it: frozen, so an edit fails loudly instead of changing other events. */
  private settle(a: GeoAnswer): GeoAnswer {
    if (!this.share || a === NONE) return a;
    if (a.geo) { if (a.geo.location) Object.freeze(a.geo.location); Object.freeze(a.geo); }
    if (a.as) { if (a.as.organization) Object.freeze(a.as.organization); Object.freeze(a.as); }
    return Object.freeze(a);
  }

  lookupUncached(ip: string): GeoAnswer {
    if (this.mode === 'off') return NONE;
    this.lookups++;
    let geo: GeoFields | undefined;
    if (this.city) {
      const r = this.city.get(ip) as CityRecord | null;
      if (r) geo = fromCityRecord(r, this.mode);
    } else {
      this.lite ??= geoipLiteModule(this.mode);
      const r = this.lite.lookup(ip);
      if (r && r.country) geo = liteGeo(r, this.mode === 'city');
    }
    let as: GeoAnswer['as'];
    if (this.asn) {
      const r = this.asn.get(ip) as AsnRecord | null;
      if (r && (r.autonomous_system_number !== undefined || r.autonomous_system_organization)) {
        as = {};
        if (r.autonomous_system_number !== undefined) as.number = r.autonomous_system_number;
        if (r.autonomous_system_organization) as.organization = { name: r.autonomous_system_organization };
      }
    }
    if (!geo && !as) return NONE;
    const out: GeoAnswer = {};
    if (geo) out.geo = geo;
    if (as) out.as = as;
    return out;
  }

  /** Enrich the chosen side(s) of an event; only public addresses are looked up. */
  enrich(ev: GwEvent): void {
    this.enrichOf(ev, -1, -1);
  }

  /** `enrich` with the addresses already parsed (`sn`/`dn`: IPv4 numbers, or -1 when not IPv4). */
  enrichOf(ev: GwEvent, sn: number, dn: number): void {
    if (this.mode === 'off') return;
    let src = true, dst = true;
    switch (this.sides) {
      case 'source': dst = false; break;
      case 'destination': src = false; break;
      case 'remote': {
        const d = ev.network?.direction;
        if (d === 'inbound') dst = false;
        else if (d === 'outbound') src = false;
        else if (d === 'internal') return;
        break;
      }
      default: break;
    }
    if (src && ev.source) this.enrichEndpoint(ev.source, sn);
    if (dst && ev.destination) this.enrichEndpoint(ev.destination, dn);
  }

  private enrichEndpoint(ep: Endpoint, n: number): void {
    const ip = ep.ip;
    if (typeof ip !== 'string') return;
    const scope = ep.address_scope ?? (ep.address_scope = addressScope(ip));
    if (scope !== 'public') return;
    if (n < 0 && ip.indexOf(':') < 0) n = parseIPv4(ip);
    const a = n >= 0 ? this.lookupV4(ip, n) : this.lookup(ip);
    if (this.share) {
      if (a.geo) ep.geo = a.geo;
      if (a.as) ep.as = a.as;
      return;
    }
    if (a.geo) ep.geo = a.geo.location ? { ...a.geo, location: { ...a.geo.location } } : { ...a.geo };
    if (a.as) ep.as = a.as.organization ? { ...a.as, organization: { ...a.as.organization } } : { ...a.as };
  }
}

function liteGeo(r: NonNullable<ReturnType<GeoipLite['lookup']>>, city: boolean): GeoFields {
  const geo: GeoFields = { country_iso_code: r.country };
  const name = countryName(r.country);
  if (name) geo.country_name = name;
  if (city) {
    if (r.region) geo.region_iso_code = `${r.country}-${r.region}`;
    if (r.city) geo.city_name = r.city;
    if (typeof r.ll[0] === 'number' && typeof r.ll[1] === 'number') geo.location = { lat: r.ll[0], lon: r.ll[1] };
  }
  if (r.timezone) geo.timezone = r.timezone;
  return geo;
}

function fromCityRecord(r: CityRecord, mode: GeoMode): GeoFields | undefined {
  const c = r.country ?? r.registered_country;
  if (!c?.iso_code) return undefined;
  const geo: GeoFields = { country_iso_code: c.iso_code };
  const name = countryName(c.iso_code) ?? c.names?.en;
  if (name) geo.country_name = name;
  if (mode === 'city') {
    const sub = r.subdivisions?.[0]?.iso_code;
    if (sub) geo.region_iso_code = `${c.iso_code}-${sub}`;
    const city = r.city?.names?.en;
    if (city) geo.city_name = city;
    const lat = r.location?.latitude, lon = r.location?.longitude;
    if (typeof lat === 'number' && typeof lon === 'number') geo.location = { lat, lon };
  }
  if (r.location?.time_zone) geo.timezone = r.location.time_zone;
  return geo;
}
