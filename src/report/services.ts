import { isIcmp } from '../event';

/** Plain names for the ports attackers try most, for reports read by a non-specialist. */
const SERVICES: Record<number, string> = {
  20: 'FTP data', 21: 'FTP file transfer', 22: 'SSH remote login', 23: 'Telnet remote login (old, insecure)', 25: 'SMTP email',
  53: 'DNS', 67: 'DHCP', 69: 'TFTP', 80: 'web server (HTTP)', 81: 'web admin (HTTP alt)', 88: 'Kerberos', 110: 'POP3 email',
  111: 'RPC portmapper', 123: 'NTP time', 135: 'Windows RPC', 137: 'Windows NetBIOS name', 138: 'Windows NetBIOS datagram',
  139: 'Windows file sharing (NetBIOS)', 143: 'IMAP email', 161: 'SNMP device management', 389: 'LDAP directory',
  443: 'secure web server (HTTPS)', 445: 'Windows file sharing (SMB)', 465: 'SMTP email (TLS)', 500: 'VPN (IKE)',
  502: 'Modbus industrial control', 514: 'syslog', 554: 'camera streaming (RTSP)', 587: 'email submission', 623: 'server management (IPMI)',
  631: 'printing (IPP)', 636: 'LDAP directory (TLS)', 873: 'rsync', 993: 'IMAP email (TLS)', 995: 'POP3 email (TLS)',
  1080: 'SOCKS proxy', 1194: 'OpenVPN', 1433: 'Microsoft SQL Server database', 1521: 'Oracle database', 1723: 'VPN (PPTP)',
  1883: 'MQTT (smart devices)', 1900: 'UPnP discovery', 2049: 'NFS file sharing', 2323: 'Telnet (alt)', 2375: 'Docker API',
  3000: 'web app (dev)', 3306: 'MySQL database', 3389: 'Windows Remote Desktop (RDP)', 4443: 'web admin (HTTPS alt)',
  4500: 'VPN (IPsec NAT)', 5000: 'web app / NAS admin', 5001: 'NAS admin (HTTPS)', 5060: 'VoIP phone (SIP)', 5061: 'VoIP phone (SIP TLS)',
  5432: 'PostgreSQL database', 5555: 'Android debug (ADB)', 5900: 'VNC remote desktop', 5985: 'Windows remote management',
  6379: 'Redis database', 6443: 'Kubernetes API', 7547: 'ISP router management (TR-069)', 8000: 'web app (HTTP alt)',
  8008: 'web (HTTP alt)', 8080: 'web proxy / admin (HTTP alt)', 8081: 'web admin (HTTP alt)', 8443: 'web admin (HTTPS alt)',
  8888: 'web app (HTTP alt)', 9000: 'web admin', 9100: 'printer (raw)', 9200: 'Elasticsearch database', 10000: 'Webmin admin',
  11211: 'Memcached', 27017: 'MongoDB database', 37777: 'CCTV recorder (Dahua)', 51820: 'WireGuard VPN',
  8291: 'MikroTik router admin (Winbox)', 34567: 'CCTV recorder (DVR)', 37215: 'Huawei router (attacked by botnets)',
  52869: 'Realtek UPnP (attacked by botnets)', 60001: 'video recorder (attacked by botnets)', 9530: 'video recorder (attacked by botnets)',
  1025: 'Windows RPC (alt)', 5353: 'mDNS discovery', 5683: 'CoAP (smart devices)', 47808: 'BACnet building control', 20000: 'DNP3 industrial control',
  44818: 'EtherNet/IP industrial control', 102: 'Siemens S7 industrial control', 1911: 'Niagara Fox building control', 8883: 'MQTT (smart devices, TLS)',
};

/** Whether a port has a name here (ports without one are "unlisted" and may be grouped as other ports). */
export function isListedPort(port: number): boolean {
  return port < 1024 || SERVICES[port] !== undefined;
}

export function serviceName(port: number, transport?: string): string {
  if (port === -1) return 'other ports';
  if (port === 0) return isIcmp(transport) ? 'ping / ICMP' : 'no port';
  return SERVICES[port] ?? (port >= 49152 ? 'temporary port' : '');
}

let regionNames: Intl.DisplayNames | null | undefined;
export function countryName(code: string): string {
  if (!code) return 'Unknown';
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
