import { expect } from 'chai';
import { parseEp, parseEpLoose } from '../../../src/parsers/cisco-asa';
import { hostileVariants, parseLine } from './helpers';

describe('Cisco ASA / FTD', () => {
  it('reads the endpoint forms of the ASA catalogue', () => {
    expect(parseEp('outside:203.0.113.7/51000')).to.deep.equal({ iface: 'outside', ip: '203.0.113.7', port: 51000 });
    expect(parseEp('inside/192.168.1.30(22)')).to.deep.equal({ iface: 'inside', ip: '192.168.1.30', port: 22 });
    expect(parseEp('outside:2001:db8::1/443')).to.deep.equal({ iface: 'outside', ip: '2001:db8::1', port: 443 });
    expect(parseEp('(0.0.0.0)')).to.deep.equal({ iface: undefined, ip: '0.0.0.0', port: undefined });
    expect(parseEp('outside:198.51.100.2/ssh')).to.deep.equal({ iface: 'outside', ip: '198.51.100.2', port: undefined });
    expect(parseEp('dmz:OCSP_Server/5678')).to.equal(undefined);
  });

  it('keeps the port of an endpoint logged by name, never inventing an address', () => {
    expect(parseEpLoose('dmz:OCSP_Server/5678')).to.deep.equal({ iface: 'dmz', port: 5678 });
    expect(parseEpLoose('inside/printer.example.com(51000)')).to.deep.equal({ iface: 'inside', port: 51000 });
    expect(parseEpLoose('net:1192.0.2.2/53356,')).to.deep.equal({ iface: 'net', port: 53356 });
    expect(parseEpLoose('outside:203.0.113.7/51000')).to.deep.equal({ iface: 'outside', ip: '203.0.113.7', port: 51000 });
    expect(parseEpLoose('dmz:OCSP_Server')).to.equal(undefined);
    expect(parseEpLoose('dmz:bad name/80')).to.equal(undefined);
    expect(parseEpLoose('dmz:a<b/80')).to.equal(undefined);
    expect(parseEpLoose('dmz:host/70000')).to.equal(undefined);
    // A named side alone is not an event: at least one address is needed.
    expect(parseLine('%ASA-5-106100: access-list x denied tcp inside/pc1.example(1) -> outside/srv.example(2) hit-cnt 1')).to.equal(null);
  });

  it('keeps the numbers ICMP prints in port positions and takes the Teardown ICMP initiator from the ICMP identifier', () => {
    const out = parseLine('%ASA-6-302021: Teardown ICMP connection for faddr 198.51.100.99/0 gaddr 198.51.100.2/7 laddr 192.168.1.51/7 type 8 code 0')!;
    expect(out.source).to.deep.equal({ ip: '192.168.1.51', port: 7 });
    expect(out.destination).to.deep.equal({ ip: '198.51.100.99', port: 0 });
    expect(out.gatewatch?.icmp).to.deep.equal({ type: 8, code: 0 });
    const inb = parseLine('%ASA-6-302021: Teardown ICMP connection for faddr 203.0.113.17/1 gaddr 198.51.100.2/0 laddr 192.168.1.50/0 (admin)')!;
    expect(inb.source).to.deep.equal({ ip: '203.0.113.17', port: 1 });
    // Neither side carries an identifier: the first side, as for every Teardown.
    const none = parseLine('%ASA-6-302021: Teardown ICMP connection for faddr 203.0.113.17/0 gaddr 198.51.100.2/0 laddr 192.168.1.50/0')!;
    expect(none.source).to.deep.equal({ ip: '203.0.113.17', port: 0 });
    const built = parseLine('%FTD-6-302020: Built inbound ICMP connection for faddr 203.0.113.20/28416 gaddr 198.51.100.10/0 laddr 192.0.2.30/0 type 8 code 0')!;
    expect(built.source).to.deep.equal({ ip: '203.0.113.20', port: 28416 });
    expect(built.destination).to.deep.equal({ ip: '192.0.2.30', port: 0 });
    // 305006 prints a number after either address; only the side that has one gets a port.
    const nat = parseLine('%FTD-3-305006: regular translation creation failed for icmp src outside:203.0.113.21/3 dst inside:192.0.2.31 (type 3, code 0)')!;
    expect(nat.source).to.deep.equal({ ip: '203.0.113.21', port: 3 });
    expect(nat.destination).to.deep.equal({ ip: '192.0.2.31' });
    // 106100 prints the ICMP type and code in the port positions: kept there and in gatewatch.icmp.
    const acl = parseLine('%ASA-6-106100: access-list outside_in denied icmp outside/203.0.113.22(8) -> inside/192.0.2.32(0) hit-cnt 1 first hit [0x0, 0x0]')!;
    expect(acl.source).to.deep.equal({ ip: '203.0.113.22', port: 8 });
    expect(acl.destination).to.deep.equal({ ip: '192.0.2.32', port: 0 });
    expect(acl.gatewatch?.icmp).to.deep.equal({ type: 8, code: 0 });
  });

  it('reads the flow a 313005 ICMP error is about into gatewatch.icmp_original', () => {
    const ev = parseLine('%ASA-4-313005: No matching connection for ICMP error message: icmp src outside:203.0.113.40(LOCAL\\user) dst inside:198.51.100.2 (type 3, code 3) on outside interface.  Original IP payload: protocol 47 src 198.51.100.2 dst 203.0.113.40.')!;
    expect(ev.source).to.deep.equal({ ip: '203.0.113.40' });
    expect(ev.gatewatch?.icmp_original).to.deep.equal({ transport: '47', source: { ip: '198.51.100.2' }, destination: { ip: '203.0.113.40' } });
    // The original packet's ports go to the event's endpoint with the same address (the error travels back).
    const udp = parseLine('%ASA-4-313005: No matching connection for ICMP error message: icmp src outside:203.0.113.40 dst inside:198.51.100.2 (type 3, code 3) on outside interface. Original IP payload: udp src 198.51.100.2/53 dst 203.0.113.40/40000.')!;
    expect(udp.source).to.deep.equal({ ip: '203.0.113.40', port: 40000 });
    expect(udp.destination).to.deep.equal({ ip: '198.51.100.2', port: 53 });
    // An original packet between other addresses gives no port to either endpoint.
    const other = parseLine('%ASA-4-313005: No matching connection for ICMP error message: icmp src outside:203.0.113.41 dst inside:198.51.100.2 (type 3, code 3) on outside interface. Original IP payload: udp src 198.51.100.3/53 dst 203.0.113.42/40000.')!;
    expect(other.source).to.deep.equal({ ip: '203.0.113.41' });
    expect(other.destination).to.deep.equal({ ip: '198.51.100.2' });
    const cut = parseLine('%ASA-4-313005: No matching connection for ICMP error message: icmp src outside:203.0.113.40 dst inside:198.51.100.2 (type 3, code 3) on outside interface. Original IP payload: udp src')!;
    expect(cut.gatewatch?.icmp_original).to.equal(undefined);
  });

  it('makes the initiator the source of a Built outbound connection', () => {
    const line = '%ASA-6-302013: Built outbound TCP connection 9 for outside:198.51.100.80/443 (198.51.100.80/443) to inside:192.168.1.22/50123 (198.51.100.2/50123)';
    const out = parseLine(line)!;
    expect(out.source).to.deep.equal({ ip: '192.168.1.22', port: 50123 });
    expect(out.destination).to.deep.equal({ ip: '198.51.100.80', port: 443 });
    const inb = parseLine(line.replace('outbound', 'inbound'))!;
    expect(inb.source.ip).to.equal('198.51.100.80');
  });

  it('keeps the initiator as the source of a Teardown, and marks session start and end', () => {
    const built = parseLine('<166>Nov 23 2026 10:00:01 asa07 %ASA-6-302013: Built outbound TCP connection 71 for outside:198.51.100.80/8443 (198.51.100.80/8443) to inside:192.168.1.22/50123 (198.51.100.2/50123)')!;
    expect(built.event.type).to.deep.equal(['connection', 'start', 'allowed']);
    // Both ports are high: only the remembered Built message (same firewall, same id) can tell.
    const down = parseLine('<166>Nov 23 2026 10:00:09 asa07 %ASA-6-302014: Teardown TCP connection 71 for outside:198.51.100.80/8443 to inside:192.168.1.22/50123 duration 0:00:08 bytes 6120 TCP FINs')!;
    expect(down.source).to.deep.equal({ ip: '192.168.1.22', port: 50123 });
    expect(down.destination).to.deep.equal({ ip: '198.51.100.80', port: 8443 });
    expect(down.event.type).to.deep.equal(['connection', 'end', 'allowed']);
    expect(down.network.bytes).to.equal(6120);
    // The id was used up: the same id again (a new connection, inbound) is not swapped.
    const again = parseLine('<166>Nov 23 2026 10:00:20 asa07 %ASA-6-302014: Teardown TCP connection 71 for outside:203.0.113.9/51000 to inside:192.168.1.30/8080 duration 0:00:01 bytes 300 TCP Reset-O')!;
    expect(again.source.ip).to.equal('203.0.113.9');
    // Another firewall's connection 71 is another connection.
    parseLine('<166>Nov 23 2026 10:00:30 asa07 %ASA-6-302013: Built outbound TCP connection 72 for outside:198.51.100.80/8443 (198.51.100.80/8443) to inside:192.168.1.22/50124 (198.51.100.2/50124)');
    const other = parseLine('<166>Nov 23 2026 10:00:31 asa08 %ASA-6-302014: Teardown TCP connection 72 for outside:203.0.113.9/51001 to inside:192.168.1.30/8080 duration 0:00:01 bytes 300 TCP FINs')!;
    expect(other.source.ip).to.equal('203.0.113.9');
    // Built message never seen: the side on a well-known port is the server.
    const unseen = parseLine('%ASA-6-302016: Teardown UDP connection 80 for outside:198.51.100.53/53 to inside:192.168.1.40/61000 duration 0:00:00 bytes 120')!;
    expect(unseen.source).to.deep.equal({ ip: '192.168.1.40', port: 61000 });
    const inbound = parseLine('%ASA-6-302014: Teardown TCP connection 81 for outside:203.0.113.9/51000 to inside:192.168.1.30/22 duration 0:00:01 bytes 300 TCP Reset-O')!;
    expect(inbound.source).to.deep.equal({ ip: '203.0.113.9', port: 51000 });
  });

  it('returns null for non-network ASA messages and takes the time from any header', () => {
    expect(parseLine('<166>Nov 23 2026 10:00:01: %ASA-6-113004: AAA user authentication Successful : server = 192.168.1.5 : user = admin')).to.equal(null);
    const ev = parseLine('<166>Nov 23 2026 10:00:01 fw1 : %ASA-2-106006: Deny inbound UDP from 203.0.113.10/5060 to 198.51.100.2/5060 on interface outside')!;
    expect(ev['@timestamp']).to.equal('2026-11-23T10:00:01.000Z');
    expect(ev.observer.hostname).to.equal('fw1');
  });

  it('never reads an attacker-chosen user name as an address', () => {
    const ev = parseLine('%ASA-4-106023: Deny tcp src outside:203.0.113.7/51000(LOCAL\\198.51.100.99) dst inside:192.168.1.20/22 by access-group "in" [0x0, 0x0]')!;
    expect(ev.source.ip).to.equal('203.0.113.7');
    expect(ev.destination.ip).to.equal('192.168.1.20');
  });

  it('survives cut and hostile variants', () => {
    const lines = [
      '<166>Nov 23 2026 10:00:02 asa01 : %ASA-6-302013: Built inbound TCP connection 1001 for outside:203.0.113.8/40000 (203.0.113.8/40000) to inside:192.168.1.21/443 (198.51.100.21/443)',
      'Nov 23 10:00:01 192.168.1.1 1001: Nov 23 10:00:01.123: %SEC-6-IPACCESSLOGP: list 101 denied tcp 203.0.113.20(40000) -> 198.51.100.2(23), 1 packet',
      '<134>1 1795428001.123456789 MX68 flows allow src=192.168.10.20 dst=198.51.100.53 mac=00:18:0A:11:22:33 protocol=udp sport=51000 dport=53',
      '%FTD-1-430002: EventPriority: Low, AccessControlRuleAction: Block, SrcIP: 203.0.113.18, DstIP: 192.168.1.60, SrcPort: 40000, DstPort: 445, Protocol: tcp',
    ];
    for (const line of lines) for (const l of hostileVariants(line)) parseLine(l);
  });
});

describe('Cisco Meraki', () => {
  it('reads the blocked server of a content-filtering entry from after the URL the user chose', () => {
    const ev = parseLine("1795428010.0 MX68 events content_filtering_block url='http://203.0.113.1/ server='198.51.100.9:8080'' category0='Malware Sites' server='203.0.113.80:443' client_mac='00:18:0A:11:22:33'")!;
    expect(ev.event.action).to.equal('deny');
    expect(ev.destination).to.deep.equal({ ip: '203.0.113.80', port: 443 });
    expect(ev.source).to.deep.equal({ mac: '00-18-0A-11-22-33' });
    expect(parseLine("1795428010.0 MX68 events content_filtering_block url='http://203.0.113.1/' category0='X' server='not-an-ip:80'")).to.equal(null);
  });

  it('reads an AnyConnect server connection record, and no other VPN entry', () => {
    const ev = parseLine("1795428011.0 MX68 events type=anyconnect_vpn_connection_success msg= 'Server IP=2001:db8::2 Server port=443 Prot[UDP] Peer IP=2001:db8:9::5 Peer port=51234 conn_id[42] Connection closed. '")!;
    expect(ev.source).to.deep.equal({ ip: '2001:db8:9::5', port: 51234 });
    expect(ev.destination).to.deep.equal({ ip: '2001:db8::2', port: 443 });
    expect(ev.network.transport).to.equal('udp');
    expect(ev.network.type).to.equal('ipv6');
    expect(parseLine("1795428011.0 MX68 events type=anyconnect_vpn_connection_success msg= 'Server IP=198.51.100.2 Server port=443'")).to.equal(null);
    expect(parseLine("1795428012.0 MX68 events type=anyconnect_vpn_session_manager msg= 'Sess-ID[1] Peer IP=203.0.113.9 User[a]: Successfully added DTLS tunnel[1.4] '")).to.equal(null);
  });


  it('splits IPv6 and IPv4 address:port values', () => {
    const ev = parseLine('1795428005.0 MX68 urls src=2001:db8:1:2:3:4:5:6:50003 dst=198.51.100.81:80 request: GET http://www.example.com/')!;
    expect(ev.source).to.deep.equal({ ip: '2001:db8:1:2:3:4:5:6', port: 50003 });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.81', port: 80 });
  });
});

describe('NetFlow / IPFIX records as JSON', () => {
  const v9 = '{"IPV4_SRC_ADDR":"203.0.113.60","IPV4_DST_ADDR":"198.51.100.3","L4_SRC_PORT":40000,"L4_DST_PORT":23,"PROTOCOL":6,"TCP_FLAGS":2,"IN_BYTES":40,"IN_PKTS":1}';

  it('reads a NetFlow v9 record as one flow from its sender', () => {
    const ev = parseLine(v9)!;
    expect(ev.event.dataset).to.equal('gatewatch.netflow-json');
    expect(ev.source).to.deep.equal({ ip: '203.0.113.60', port: 40000 });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.3', port: 23 });
    expect(ev.gatewatch?.tcp_flags).to.deep.equal(['SYN']);
    // also behind a syslog header, which then gives the time and the exporter's name
    const h = parseLine('<134>Nov 23 10:00:00 edge1 ' + v9)!;
    expect(h['@timestamp']).to.equal('2026-11-23T10:00:00.000Z');
    expect(h.observer.hostname).to.equal('edge1');
  });

  it('accepts numbers written as strings and refuses out-of-range values', () => {
    const ev = parseLine('{"sourceIPv4Address":"203.0.113.60","destinationIPv4Address":"198.51.100.3","sourceTransportPort":"70000","destinationTransportPort":"22","protocolIdentifier":"6","octetDeltaCount":-5,"packetDeltaCount":1.5}')!;
    expect(ev.source).to.deep.equal({ ip: '203.0.113.60' });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.3', port: 22 });
    expect(ev.network.bytes).to.equal(undefined);
    expect(ev.network.packets).to.equal(undefined);
  });

  it('ignores what is not a flow record and survives hostile JSON', () => {
    expect(parseLine('{"IPV4_SRC_ADDR":["203.0.113.60"],"IPV4_DST_ADDR":"198.51.100.3"}')).to.equal(null);
    expect(parseLine('{"__proto__":{"IPV4_SRC_ADDR":"203.0.113.60"},"IPV4_DST_ADDR":"198.51.100.3"}')).to.equal(null);
    expect(parseLine('{"IPV4_SRC_ADDR":' + '['.repeat(20000))).to.equal(null);
    const many: Record<string, number> = {};
    for (let i = 0; i < 400; i++) many['k' + i] = i;
    const wide = JSON.stringify({ ...many, IPV4_SRC_ADDR: '203.0.113.60', IPV4_DST_ADDR: '198.51.100.3' });
    expect(parseLine(wide)).to.equal(null); // the addresses come after the 256 keys read
    // longer than any real record: refused before JSON.parse
    expect(parseLine(v9.slice(0, -1) + ',"pad":"' + 'x'.repeat(9000) + '"}')).to.equal(null);
    for (const l of hostileVariants(v9)) parseLine(l);
  });
});
