/**
 * Exposed services (MITRE T1133): the firewall ALLOWED a connection from the Internet to a risky
 * service (Remote Desktop, Windows file sharing, Telnet, a database, VNC, an admin panel …). That is
 * a hole the owner should close, whoever knocked on it.
 */
import { NEEDS_ALLOWED_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import { parseAccepted, type DetectConfig } from '../config';
import { plural } from '../incidents';
import type { Obs } from '../obs';
import { BoundedMap, type Clocked } from '../util';

/** The worst ones: direct remote control of a machine, or data with no login in front. */
const CRITICAL_PORTS = new Set([23, 2323, 445, 139, 3389, 5900, 5901, 2375, 6379, 27017, 9200, 11211, 1433, 3306, 5432, 1521, 5985, 5986,
  502, 623, 2049, 4786, 5555, 47808]);

const SHORT: Record<number, string> = {
  21: 'ftp', 23: 'telnet', 2323: 'telnet', 135: 'rpc', 137: 'netbios', 139: 'netbios', 161: 'snmp', 445: 'smb', 1433: 'mssql', 1521: 'oracle',
  1900: 'upnp', 2375: 'docker', 2376: 'docker', 3306: 'mysql', 3389: 'rdp', 5432: 'postgresql', 5900: 'vnc', 5901: 'vnc', 5985: 'winrm',
  5986: 'winrm', 6379: 'redis', 7547: 'tr069', 8291: 'winbox', 9200: 'elasticsearch', 10000: 'webmin', 11211: 'memcached', 27017: 'mongodb',
  111: 'portmapper', 502: 'modbus', 623: 'ipmi', 2049: 'nfs', 4786: 'smart-install', 5555: 'adb', 9100: 'printer', 34567: 'dvr', 37777: 'dvr',
  47808: 'bacnet', 554: 'rtsp', 5000: 'nas-admin', 5001: 'nas-admin',
};

/** Distinct sources remembered per service (enough for "10 or more" to score and to say so). */
const SOURCES_MAX = 16;

/** Connections to one service since its last incident ended (or while one is open), and their first sources. */
class Seen implements Clocked {
  hot = true;
  count = 0;
  sources: string[] = [];
  /** An incident was opened from these counts: when it has closed, counting starts again. */
  opened = false;
}

export const exposedService: DetectorDef = {
  id: 'exposed',
  kinds: {
    'exposed-service': {
      technique: { id: 'T1133', name: 'External Remote Services', tactic: 'Initial Access' },
      describe(inc) {
        const port = inc.topPorts()[0] ?? -1;
        const name = String(inc.details.service ?? port);
        const v = inc.victims[0]?.ip ?? 'one of your machines';
        const sources = Number(inc.details.sources ?? 1);
        let score = CRITICAL_PORTS.has(port) ? 70 : 50;
        if (sources >= 10) score += 10;
        if ((inc.attacker.reputation?.length ?? 0) > 0) score += 15;
        return {
          score,
          confidence: 'high',
          summary: `${name} on ${v} (port ${port}) can be reached from the Internet: your firewall let in ${plural(inc.events, 'connection')} from ${sources >= SOURCES_MAX ? `${sources} or more different addresses` : plural(sources, 'address', 'addresses')}, the first from ${inc.attacker.ip}.`,
          advice: `Close port ${port} on your router or firewall unless you really need it. If staff need ${name} from outside, put it behind a VPN, and check ${v} for logins you do not recognise.`,
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.exposed;
    const names = new Map<number, string>();
    for (const [p, n] of Object.entries(c.services)) names.set(Number(p), n);
    const risky = new Uint8Array(65536);
    for (const p of names.keys()) if (p >= 0 && p < 65536) risky[p] = 1;
    const table = new BoundedMap<Seen>(Math.max(1024, cfg.general.maxSources >> 4));
    // Open on purpose (the owner knows and accepts it): a port on every machine, or one machine's port.
    const acceptedPort = new Uint8Array(65536);
    const acceptedPair = new Set<string>();
    for (const a of c.accepted ?? []) {
      const x = parseAccepted(a);
      if (x === null) continue;
      if (x.ip === undefined) acceptedPort[x.port] = 1;
      else acceptedPair.add(x.ip + '|' + x.port);
    }
    return {
      id: 'exposed',
      needs: NEEDS_ALLOWED_PROFILE,
      ports: risky,
      tables: () => ({ services: table.size }),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        if (!o.allowed || port < 0 || risky[port] !== 1 || ctx.profile === null) return;
        if (acceptedPort[port] === 1 || (acceptedPair.size !== 0 && acceptedPair.has(o.dst.toLowerCase() + '|' + port))) return;
        const key = 'exposed-service|' + o.dst + '|' + port;
        let s = table.get(key);
        if (s === undefined) { s = new Seen(); table.set(key, s); }
        let inc = ctx.find(key, o.t);
        // (the incident before went quiet or reached maxIncidentS: the next one counts only its own connections)
        if (inc === undefined && s.opened) { s.count = 0; s.sources = []; s.opened = false; }
        s.count++;
        if (s.sources.length < SOURCES_MAX && !s.sources.includes(o.src)) s.sources.push(o.src);
        if (inc === undefined) {
          if (s.count < c.minEvents) return;
          inc = ctx.incident(key, 'exposed-service', o, 'source') ?? undefined;
          if (inc === undefined) return;
          inc.subtype = SHORT[port] ?? `port-${port}`;
          inc.details.service = names.get(port);
          inc.add(o, o.dst, port, s.count);
          s.opened = true;
        } else inc.add(o, o.dst, port);
        inc.details.sources = s.sources.length;
        ctx.changed(inc, o.t);
      },
    };
  },
};
