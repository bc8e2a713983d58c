/**
 * Every detector's settings in one object, with the documented defaults. The detect node exposes
 * the main ones in its editor; `gatewatch analyze` uses these defaults.
 */

export interface GeneralConfig {
  /** An incident closes after this long without activity; a return after that is a new incident ('repeat'). */
  quietPeriodS: number;
  /** An incident that keeps going is closed and re-opened (re-alerted) after this long. */
  maxIncidentS: number;
  /** A changed incident is re-sent at most this often (besides doubling of its size or a higher severity). */
  updateEveryS: number;
  /** When two gateways log the same packet, copies within this many seconds are dropped. */
  duplicateWindowS: number;
  /** Cap of every per-address table (sources, pairs, services); the oldest idle entries go first. */
  maxSources: number;
  /** Cap of open incidents. */
  maxOpenIncidents: number;
  /** Also watch internal-to-internal traffic (a compromised PC scanning the office). */
  includeInternal: boolean;
  /**
   * IPv6 sources are counted per network of this prefix length (64: one customer's or one server's /64),
   * so a scanner that takes a new address from its /64 for every probe is still one attacker. 128: per address.
   */
  ipv6Prefix: number;
}

export interface AllowlistConfig {
  /** Addresses never reported (your monitoring service, your own VPN peer …). */
  addresses: string[];
  /** Networks (CIDR) never reported. */
  networks: string[];
  /** Destination ports never counted. */
  ports: number[];
}

export interface KnownScannersConfig {
  /** 'low': report research scanners (Shodan, Censys …) as `research-scanner` at low severity; 'ignore': drop; 'off': treat as anyone else. */
  mode: 'low' | 'ignore' | 'off';
  /** Extra organisation names (matched case-insensitively inside source.as.organization.name). */
  orgs: string[];
  /** Extra networks (CIDR) of scanners you consider harmless. */
  networks: string[];
}

export interface PortscanConfig {
  enabled: boolean;
  /** Fast scan: this many new ports while the bucket leaks one port every `fastLeakS` seconds. */
  fastPorts: number;
  fastLeakS: number;
  /** Slow scan: this many distinct ports from one address within `slowWindowS`. */
  slowPorts: number;
  slowWindowS: number;
  /** IP-protocol scan: this many distinct IP protocols (nmap -sO). */
  protocols: number;
  /** Mirai fingerprint: this many SYNs to port 23 and one to 2323. */
  miraiTelnet: number;
}

export interface SweepConfig {
  enabled: boolean;
  /** One port (or ping) across this many of your addresses … */
  hosts: number;
  /** … within this window. */
  windowS: number;
}

export interface BruteforceConfig {
  enabled: boolean;
  /** Fast: this many connection attempts to one login service within `fastWindowS`. */
  fastCount: number;
  fastWindowS: number;
  /** Slow: this many within `slowWindowS`. */
  slowCount: number;
  slowWindowS: number;
  /** Password spraying: one address trying the same login service on this many of your machines. */
  sprayHosts: number;
  /** Login services watched (port → name). */
  services: Record<string, string>;
  /** Extra ports of VPN or web login portals (e.g. 443 for an SSL-VPN), counted as logins. */
  vpnPorts: number[];
  /**
   * Distributed guessing: connections the firewall let through to one login service of one machine, from at
   * least `distributedSources` addresses and `distributedAttempts` in all within `distributedWindowS` — robots
   * that each stay under per-address limits. 0 sources = off.
   */
  distributedSources: number;
  distributedAttempts: number;
  distributedWindowS: number;
}

export interface KnownBadConfig {
  enabled: boolean;
  /** Report blocked inbound contact from listed addresses too (not only what got through). */
  inboundDenied: boolean;
}

export interface BeaconConfig {
  enabled: boolean;
  /** Contacts needed before judging regularity. */
  minContacts: number;
  /** Highest coefficient of variation (spread ÷ mean) of the gaps between contacts that still counts as regular. */
  maxCv: number;
  /** Gaps shorter than this are one burst, not separate contacts. */
  minIntervalS: number;
  /** Gaps longer than this are not a beacon period. */
  maxIntervalS: number;
  /** Destination ports whose clockwork traffic is normal (DNS, NTP). */
  ignorePorts: number[];
  /**
   * An outside address and port that this many of your machines contact is software they all run (chat,
   * updates, file sync, antivirus), not one infected machine: its clockwork is not reported. 0 = off.
   */
  commonHosts: number;
}

export interface ExposedConfig {
  enabled: boolean;
  /** Risky services (port → name); an allowed inbound connection to one is reported. */
  services: Record<string, string>;
  /** Connections needed before reporting. */
  minEvents: number;
  /**
   * Services open on purpose, not reported as open (password guessing at them still is): "3389" (that port on
   * any of your machines), "192.168.1.60:3389", "[2001:db8::5]:3389". The weekly report still lists them among
   * the services reachable from the internet.
   */
  accepted: string[];
}

export interface FloodConfig {
  enabled: boolean;
  /** Packets/connections from one address within `windowS`. */
  sourceEvents: number;
  /** Packets/connections to one of your addresses within `windowS` (a denial of service). */
  destEvents: number;
  windowS: number;
}

export interface DetectConfig {
  general: GeneralConfig;
  allowlist: AllowlistConfig;
  knownScanners: KnownScannersConfig;
  portscan: PortscanConfig;
  sweep: SweepConfig;
  bruteforce: BruteforceConfig;
  knownBad: KnownBadConfig;
  beacon: BeaconConfig;
  exposed: ExposedConfig;
  flood: FloodConfig;
}

/** Partial settings: any section, any field. */
export type DetectOptions = { [K in keyof DetectConfig]?: Partial<DetectConfig[K]> };

export const AUTH_SERVICES: Record<string, string> = {
  21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 110: 'POP3', 143: 'IMAP', 445: 'SMB (Windows file sharing)',
  465: 'SMTP', 500: 'IPsec VPN (IKE)', 587: 'SMTP submission', 993: 'IMAPS', 995: 'POP3S', 1194: 'OpenVPN',
  1433: 'Microsoft SQL Server', 1521: 'Oracle database', 2222: 'SSH', 3306: 'MySQL', 3389: 'Remote Desktop (RDP)',
  4500: 'IPsec VPN (IKE NAT-T)', 5060: 'SIP (VoIP)', 5061: 'SIP (VoIP, TLS)', 5432: 'PostgreSQL', 5900: 'VNC remote desktop',
  6379: 'Redis', 27017: 'MongoDB',
};

export const RISKY_SERVICES: Record<string, string> = {
  21: 'FTP', 23: 'Telnet', 135: 'Windows RPC', 137: 'NetBIOS', 139: 'NetBIOS file sharing', 161: 'SNMP',
  445: 'SMB (Windows file sharing)', 1433: 'Microsoft SQL Server', 1521: 'Oracle database', 1900: 'UPnP',
  2323: 'Telnet', 2375: 'Docker API', 2376: 'Docker API', 3306: 'MySQL', 3389: 'Remote Desktop (RDP)',
  5432: 'PostgreSQL', 5900: 'VNC remote desktop', 5901: 'VNC remote desktop', 5985: 'Windows remote management',
  5986: 'Windows remote management', 6379: 'Redis', 7547: 'router management (TR-069)', 8291: 'MikroTik Winbox',
  9200: 'Elasticsearch', 10000: 'Webmin admin panel', 11211: 'Memcached', 27017: 'MongoDB',
  // Often found open on small sites by Internet-wide surveys, and attacked as soon as they are.
  111: 'RPC portmapper', 502: 'Modbus industrial control', 623: 'server management (IPMI)', 2049: 'NFS file sharing',
  4786: 'Cisco Smart Install', 5555: 'Android debug (ADB)', 9100: 'printer (raw printing)', 34567: 'CCTV video recorder',
  37777: 'CCTV video recorder', 47808: 'BACnet building control',
  // A NAS's admin page (Synology DSM) and camera video streams: ransomware and peeping both start here.
  554: 'CCTV video stream (RTSP)', 5000: 'NAS admin page (Synology DSM)', 5001: 'NAS admin page (Synology DSM)',
};

export const DEFAULT_CONFIG: DetectConfig = {
  general: {
    quietPeriodS: 3600,
    maxIncidentS: 86400,
    updateEveryS: 300,
    duplicateWindowS: 2,
    maxSources: 100_000,
    maxOpenIncidents: 20_000,
    includeInternal: false,
    ipv6Prefix: 64,
  },
  allowlist: { addresses: [], networks: [], ports: [] },
  knownScanners: { mode: 'low', orgs: [], networks: [] },
  portscan: { enabled: true, fastPorts: 8, fastLeakS: 10, slowPorts: 10, slowWindowS: 86400, protocols: 5, miraiTelnet: 2 },
  sweep: { enabled: true, hosts: 10, windowS: 86400 },
  bruteforce: {
    enabled: true, fastCount: 5, fastWindowS: 10, slowCount: 10, slowWindowS: 600, sprayHosts: 5,
    services: AUTH_SERVICES, vpnPorts: [], distributedSources: 10, distributedAttempts: 30, distributedWindowS: 3600,
  },
  knownBad: { enabled: true, inboundDenied: true },
  beacon: { enabled: true, minContacts: 8, maxCv: 0.2, minIntervalS: 1, maxIntervalS: 21600, ignorePorts: [53, 123, 5353], commonHosts: 3 },
  exposed: { enabled: true, services: RISKY_SERVICES, minEvents: 1, accepted: [] },
  flood: { enabled: true, sourceEvents: 500, destEvents: 5000, windowS: 10 },
};

/** Defaults overlaid with the given settings (one level deep; unknown sections are ignored). */
export function resolveConfig(opts: DetectOptions | Record<string, unknown> = {}): DetectConfig {
  const out = {} as Record<string, unknown>;
  const given = opts as Record<string, unknown>;
  for (const [k, def] of Object.entries(DEFAULT_CONFIG)) {
    const g = given[k];
    out[k] = g && typeof g === 'object' ? { ...def, ...stripUndefined(g as Record<string, unknown>) } : { ...def };
  }
  return out as unknown as DetectConfig;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) r[k] = v;
  return r;
}

/** A usable `general.ipv6Prefix`: a whole number of bits from 16 to 128. */
export function isIpv6Prefix(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 16 && v <= 128;
}

/** Settings where 0 switches the rule off (whole numbers). */
const ZERO_MEANS_OFF = new Set(['beacon.commonHosts', 'bruteforce.distributedSources']);

/** Check numbers are positive and return a list of problems (empty when fine). */
export function validateConfig(c: DetectConfig): string[] {
  const bad: string[] = [];
  const pos = (sec: string, o: object) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'number') continue;
      if (ZERO_MEANS_OFF.has(`${sec}.${k}`)) {
        if (!(Number.isInteger(v) && v >= 0)) bad.push(`${sec}.${k} must be a whole number, 0 (off) or more (got ${v})`);
      } else if (!(v > 0 && Number.isFinite(v))) bad.push(`${sec}.${k} must be a positive number (got ${v})`);
    }
  };
  for (const [sec, o] of Object.entries(c)) pos(sec, o as object);
  if (!['low', 'ignore', 'off'].includes(c.knownScanners.mode)) bad.push(`knownScanners.mode must be low, ignore or off`);
  const acc = c.exposed.accepted;
  if (!Array.isArray(acc)) bad.push('exposed.accepted must be a list of "port" or "address:port"');
  else for (const a of acc) if (parseAccepted(a) === null) bad.push(`exposed.accepted: "${String(a).slice(0, 60)}" is not a port or address:port`);
  const v6 = c.general.ipv6Prefix;
  if (!isIpv6Prefix(v6)) bad.push(`general.ipv6Prefix must be a whole number from 16 to 128 (got ${v6})`);
  return bad;
}

/**
 * One "open on purpose" entry: "3389" → { port }, "192.168.1.60:3389" or "[2001:db8::5]:3389" → { ip, port };
 * null when it is neither.
 */
export function parseAccepted(x: unknown): { ip?: string; port: number } | null {
  if (typeof x === 'number') x = String(x);
  if (typeof x !== 'string') return null;
  const s = x.trim();
  const m = /^(?:\[([0-9a-fA-F:.]{2,45})\]:|(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  if (!(port > 0 && port < 65536)) return null;
  const ip = m[1] ?? m[2];
  if (ip !== undefined && m[2] !== undefined && m[2].split('.').some((o) => Number(o) > 255)) return null;
  return ip === undefined ? { port } : { ip: ip.toLowerCase(), port };
}
