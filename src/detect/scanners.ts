/**
 * Research scanners: organisations that scan the whole Internet every day and publish what they find
 * (Censys, Shodan, Shadowserver …). Their probes are real but not an attack on you in particular, so
 * by default they are reported as `research-scanner` at low severity rather than as an attack.
 *
 * Matched by published scanning networks, and by the AS organisation name when an ASN database is
 * configured (source.as.organization.name). Small on purpose: extend it in the settings.
 */
import { NetList } from './util';

/** Networks the scanners publish for opt-out (Censys: support.censys.io "opt out" page). */
export const SCANNER_NETWORKS: Array<[string, string]> = [
  ['162.142.125.0/24', 'Censys'],
  ['167.94.138.0/24', 'Censys'],
  ['167.94.145.0/24', 'Censys'],
  ['167.94.146.0/24', 'Censys'],
  ['167.248.133.0/24', 'Censys'],
  ['74.120.14.0/24', 'Censys'],
  ['192.35.168.0/23', 'Censys'],
  ['2602:80d:1000:b0cc:e::/80', 'Censys'],
  ['2620:96:e000:b0cc:e::/80', 'Censys'],
];

/** Lower-case fragments of AS organisation names, with the name to show. */
export const SCANNER_ORGS: Array<[string, string]> = [
  ['censys', 'Censys'],
  ['shodan', 'Shodan'],
  ['shadowserver', 'Shadowserver'],
  ['binaryedge', 'BinaryEdge'],
  ['stretchoid', 'Stretchoid'],
  ['onyphe', 'Onyphe'],
  ['internet-measurement', 'internet-measurement.com (Driftnet)'],
  ['driftnet', 'Driftnet'],
  ['leakix', 'LeakIX'],
  ['rapid7', 'Rapid7 Project Sonar'],
  ['recyber', 'ReCyber'],
  ['alpha strike labs', 'Alpha Strike Labs'],
  ['criminal ip', 'Criminal IP'],
  ['academy for internet research', 'Academy for Internet Research'],
];

export class ScannerMatcher {
  private readonly nets: Array<[NetList, string]>;
  private readonly orgs: Array<[string, string]>;
  private readonly cache = new Map<string, string | null>();
  constructor(extraOrgs: string[] = [], extraNets: string[] = []) {
    this.nets = SCANNER_NETWORKS.map(([c, n]) => [new NetList([c]), n]);
    if (extraNets.length) this.nets.push([new NetList(extraNets), 'allow-listed scanner']);
    this.orgs = [...SCANNER_ORGS, ...extraOrgs.map((o): [string, string] => [o.toLowerCase(), o])];
  }
  /** The scanner's name, or undefined. Only called when an incident opens, so it need not be fast. */
  match(ip: string, orgName?: string): string | undefined {
    if (orgName) {
      const lo = orgName.toLowerCase();
      for (const [frag, name] of this.orgs) if (lo.includes(frag)) return name;
    }
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit ?? undefined;
    let found: string | null = null;
    for (const [nl, name] of this.nets) if (nl.has(ip)) { found = name; break; }
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(ip, found);
    return found ?? undefined;
  }
}
