import { expect } from 'chai';
import { hostileVariants, parseLine } from './helpers';

const LE = '<134>1 2026-11-23T10:00:01Z gw CheckPoint 1234 - [action:"Drop"; ifdir:"inbound"; ifname:"eth1"; loguid:"{0x1}"; origin:"198.51.100.2"; time:"1795428001"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={X};policy_name=Std\\]"; comment:"say \\"src:1.2.3.4\\""; dst:"198.51.100.2"; proto:"6"; s_port:"44000"; service:"3389"; src:"203.0.113.60"]';

describe('Check Point', () => {
  it('reads Log Exporter pairs with escaped quotes and brackets', () => {
    const ev = parseLine(LE, 'checkpoint')!;
    expect(ev.source).to.deep.equal({ ip: '203.0.113.60', port: 44000 });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.2', port: 3389 });
    expect(ev.event.action).to.equal('deny');
    expect(ev['@timestamp']).to.equal('2026-11-23T10:00:01.000Z');
  });

  it('returns null for audit lines without addresses', () => {
    expect(parseLine('<134>1 2026-11-23T10:00:04Z gw CheckPoint 1234 - [action:"Accept"; loguid:"{0x2}"; administrator:"admin"; client_ip:"192.168.1.5"; operation:"Log In"]')).to.equal(null);
  });

  it('reads CEF with or without the "CEF:" prefix', () => {
    const cef = '0|Check Point|VPN-1 & FireWall-1|Check Point|Log|ssh|Unknown|act=Accept rt=1795428006000 spt=45000 dpt=22 dst=192.168.1.20 proto=6 src=203.0.113.61';
    for (const l of [cef, 'CEF:' + cef, 'CEF: ' + cef]) {
      const ev = parseLine(l)!;
      expect(ev.source.ip, l).to.equal('203.0.113.61');
      expect(ev.destination.port).to.equal(22);
    }
  });

  it('survives cut and hostile variants', () => {
    for (const l of hostileVariants(LE)) parseLine(l);
  });
});
