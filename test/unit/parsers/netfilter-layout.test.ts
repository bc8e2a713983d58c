/**
 * netfilter lines in the kernel's layout read by the one-expression path: the interface/MAC text is looked
 * up per distinct text (the line before's, else a table), the numbers come from the captures, PROTO='s end
 * is found only when a search needs it. Each case checks what is read, also across consecutive lines.
 */
import { expect } from 'chai';
import type { GwEvent } from '../../../src/event';
import { LineParser } from '../../../src/parsers/registry';
import { netfilter } from '../../../src/parsers/netfilter';
import { parseHeader } from '../../../src/syslog/header';

const T = '2026-11-23T10:00:01.000+00:00 gw kernel: [ 12.345678] ';
const MAC = 'MAC=00:00:5e:00:53:01:00:00:5e:00:53:02:08:00';
const REST = 'SRC=203.0.113.5 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0';

function parseAll(lines: string[], format = 'auto'): (GwEvent | null)[] {
  const p = new LineParser({ format, tz: 'UTC' });
  return lines.map((l) => p.parse(l, Date.UTC(2026, 10, 23)));
}

describe('netfilter: kernel layout, interfaces and MAC read once per distinct text', () => {
  for (const format of ['auto', 'netfilter']) {
    it(`${format}: interfaces and source MAC follow each line, also when they alternate`, () => {
      const lines = [
        `${T}DROP IN=eth0 OUT= ${MAC} ${REST}`,
        `${T}ACCEPT IN=br-lan OUT=eth0 MAC=00:00:5e:00:53:0a:00:00:5e:00:53:0b:08:00 ${REST}`,
        `${T}DROP IN=eth0 OUT= ${MAC} ${REST}`,
        `${T}DROP IN=eth0 OUT=br-lan PHYSIN=eth2 PHYSOUT=eth3 ${MAC} ${REST}`,
        `${T}DROP IN=eth0 OUT= MAC= ${REST}`,
        `${T}DROP IN=eth0 OUT= ${REST}`,
      ];
      const ev = parseAll(lines, format);
      expect(ev.map((e) => e?.observer.ingress?.interface?.name)).to.deep.equal(['eth0', 'br-lan', 'eth0', 'eth0', 'eth0', 'eth0']);
      expect(ev.map((e) => e?.observer.egress?.interface?.name)).to.deep.equal([undefined, 'eth0', undefined, 'br-lan', undefined, undefined]);
      expect(ev.map((e) => e?.source.mac)).to.deep.equal(['00-00-5E-00-53-02', '00-00-5E-00-53-0B', '00-00-5E-00-53-02', '00-00-5E-00-53-02', undefined, undefined]);
      for (const e of ev) {
        expect(e?.source).to.include({ ip: '203.0.113.5', port: 40000 });
        expect(e?.destination).to.deep.equal({ ip: '192.0.2.10', port: 22 });
        expect(e?.network.bytes).to.equal(60);
        expect(e?.gatewatch?.ttl).to.equal(50);
      }
    });
  }

  it('a MAC= later in the line than the layout allows: not read as a line without MAC= (the searches refuse it)', () => {
    const line = `${T}DROP IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0`;
    const [withMac, without] = parseAll([`${line} ${MAC}`, line]);
    expect(withMac).to.equal(null);
    expect(without?.source).to.deep.equal({ ip: '203.0.113.5', port: 1 });
  });

  it('an interface text longer than the kernel writes is read the same (and not kept)', () => {
    const long = 'x'.repeat(300);
    const ev = parseAll([`${T}DROP IN=${long} OUT= ${MAC} ${REST}`, `${T}DROP IN=${long} OUT= ${MAC} ${REST}`]);
    for (const e of ev) {
      expect(e?.observer.ingress?.interface?.name).to.equal(long);
      expect(e?.source.mac).to.equal('00-00-5E-00-53-02');
    }
  });

  it('TCP options: right after URGP=, later in the line, or only inside a quoted packet', () => {
    const syn = 'SRC=203.0.113.5 DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0';
    const ev = parseAll([
      `${T}DROP IN=eth0 OUT= ${MAC} ${syn} OPT (020405B4)`,
      `${T}DROP IN=eth0 OUT= ${MAC} ${syn} MARK=0x1 OPT (020405B4)`,
      `${T}DROP IN=eth0 OUT= ${MAC} ${syn} [SRC=192.0.2.10 DST=203.0.113.5 OPT (020405B4)]`,
    ]);
    expect(ev.map((e) => e?.gatewatch?.tcp_options)).to.deep.equal([true, true, false]);
    expect(ev.map((e) => e?.gatewatch?.tcp_flags)).to.deep.equal([['SYN'], ['SYN'], ['SYN']]);
  });

  it('TCP without WINDOW=/URGP= and ICMP with ports: the searches start where PROTO= ends', () => {
    const ev = parseAll([
      `${T}DROP IN=eth0 OUT= ${MAC} SRC=203.0.113.5 DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=1 DPT=2 SEQ=1 ACK=2 ACK FIN`,
      `${T}DROP IN=eth0 OUT= ${MAC} SRC=203.0.113.5 DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=ICMP SPT=1 DPT=2 TYPE=3 CODE=1`,
      `${T}DROP IN=eth0 OUT= ${MAC} SRC=203.0.113.5 DST=192.0.2.10 LEN=84 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1`,
    ]);
    expect(ev[0]?.gatewatch?.tcp_flags).to.deep.equal(['FIN', 'ACK']);
    expect(ev[0]?.destination.port).to.equal(2);
    expect(ev[1]?.gatewatch?.icmp).to.deep.equal({ type: 3, code: 1 });
    expect(ev[2]?.gatewatch?.icmp).to.deep.equal({ type: 8, code: 0 });
  });

  it('IPv6 with a TTL= later in the line is read by the searches, not the layout', () => {
    const [e] = parseAll([`${T}DROP IN=eth0 OUT= ${MAC.replace('08:00', '86:dd')} SRC=2001:db8::1 DST=2001:db8::2 LEN=80 TC=0 HOPLIMIT=50 FLOWLBL=0 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0 TTL=9`]);
    expect(e?.network.type).to.equal('ipv6');
    expect(e?.gatewatch?.ttl).to.equal(9);
  });

  it('what detect() scanned is trusted by parse() only while the shared byte buffer still holds that line', () => {
    // detect() reads the kernel fields from the bytes the syslog header left in ascii.ts's buffer; another
    // line read in between (or a vendor scanner encoding another text) overwrites them.
    const ctx = { tz: 'UTC', refMs: Date.UTC(2026, 10, 23), receivedMs: Date.UTC(2026, 10, 23) };
    const a = parseHeader(`${T}DROP IN=eth0 OUT= ${MAC} ${REST}`, ctx);
    expect(netfilter.detect(a)).to.equal(true);
    const b = parseHeader(`${T}[UFW BLOCK] IN=enp3s0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.77 DST=192.0.2.99 LEN=40 TOS=0x00 PREC=0x00 TTL=7 ID=7 PROTO=UDP SPT=5 DPT=6 LEN=20`, ctx);
    expect(b.message).to.not.equal(a.message);
    const ev = netfilter.parse(a, ctx)!;
    expect(ev.source).to.include({ ip: '203.0.113.5', port: 40000 });
    expect(ev.destination).to.deep.equal({ ip: '192.0.2.10', port: 22 });
    expect(ev.observer.ingress?.interface?.name).to.equal('eth0');
    expect([ev.network.transport, ev.network.bytes, ev.gatewatch?.ttl]).to.deep.equal(['tcp', 60, 50]);
    expect(netfilter.parse(b, ctx)!.source).to.include({ ip: '198.51.100.77', port: 5 });
  });
});
