/**
 * The router that stops logging (src/detect/silence.ts), by a wall clock the test moves: told once when a
 * steady gateway goes quiet, told again when it comes back, never for a gateway that only logs now and then.
 */
import { expect } from 'chai';
import { SilenceWatch } from '../../src/detect/silence';
import type { GwEvent } from '../../src/event';
import { makeEvent, T0, WAN } from '../helpers/traffic';

const H = 3_600_000;

function ev(host: string, reporter?: string): GwEvent {
  const e = makeEvent({ t: T0, src: '203.0.113.9', dst: WAN, dport: 23 });
  e.observer = { ...e.observer, hostname: host };
  if (reporter) (e.gatewatch ??= {}).reporter = reporter;
  return e;
}

/** `perHour` events an hour from `host` for `hours` hours from `start`; the wall time after the last. */
function feed(w: SilenceWatch, host: string, start: number, hours: number, perHour: number, reporter?: string): number {
  let t = start;
  for (let h = 0; h < hours; h++) for (let k = 0; k < perHour; k++) { t = start + h * H + Math.floor((k * H) / perHour); expect(w.seen(ev(host, reporter), t)).to.equal(null); }
  return t;
}

describe('silence watch (a router that stops logging)', () => {
  it('a steady router silent for 2 hours is told once, high, and again when its logs come back', () => {
    const w = new SilenceWatch({ afterHours: 2, timeZone: 'UTC' });
    const last = feed(w, 'office-fw', T0, 24, 30, '192.168.1.1');
    expect(w.check(last + 2 * H - 60_000)).to.deep.equal([]);
    const [inc, ...rest] = w.check(last + 2 * H);
    expect(rest).to.deep.equal([]);
    expect(inc).to.include({ type: 'log-silence', severity: 'high', status: 'new', event_count: 0, first_seen: new Date(last).toISOString() });
    expect(inc!.attacker.ip).to.equal('192.168.1.1');
    expect(inc!.mitre.technique.id).to.equal('T1562.006');
    expect(inc!.summary).to.match(/^Your router "office-fw" has sent no logs since .* \(2 hours\), after about 30 an hour: until it sends again, gatewatch cannot see attacks/);
    expect(inc!.details).to.include({ gateway: 'office-fw', usual_per_hour: 30 });
    expect(w.silent()).to.deep.equal(['office-fw']);
    // told once, however long it lasts
    expect(w.check(last + 5 * H)).to.deep.equal([]);
    const back = w.seen(ev('office-fw'), last + 6 * H);
    expect(back).to.include({ id: inc!.id, status: 'update', last_seen: new Date(last + 6 * H).toISOString() });
    expect(back!.summary).to.equal('Logs from your router "office-fw" arrive again, after 6 hours without any: gatewatch could not see what happened in that time.');
    expect(back!.details).to.include({ silent_s: 6 * 3600 });
    // and only once
    expect(w.seen(ev('office-fw'), last + 6 * H + 1000)).to.equal(null);
    expect(w.silent()).to.deep.equal([]);
  });

  it('not for a box that logs only now and then, nor before it has a day of history, nor when switched off', () => {
    const w = new SilenceWatch({ afterHours: 2 });
    let last = 0;
    for (let h = 0; h < 24; h += 3) last = feed(w, 'rare', T0 + h * H, 1, 40);
    last = Math.max(last, feed(w, 'trickle', T0, 24, 2));
    last = Math.max(last, feed(w, 'new-box', T0 + 18 * H, 6, 50));
    expect(w.check(last + 10 * H)).to.deep.equal([]);
    const off = new SilenceWatch({ afterHours: 0 });
    expect(off.enabled).to.equal(false);
    const l2 = feed(off, 'office-fw', T0, 24, 30);
    expect(off.check(l2 + 10 * H)).to.deep.equal([]);
  });

  it('a box that logs office hours is quiet every night: told only when it misses hours it logged the day before', () => {
    const w = new SilenceWatch({ afterHours: 2 });
    const day0 = Math.floor(T0 / 86_400_000) * 86_400_000;
    // 08:00-21:00, 30 an hour, for two days
    for (let d = 0; d < 2; d++) feed(w, 'office', day0 + d * 86_400_000 + 8 * H, 13, 30);
    const evening = day0 + 86_400_000 + 21 * H;
    expect(w.check(evening + 2 * H)).to.deep.equal([]); // 23:00
    expect(w.check(evening + 10 * H)).to.deep.equal([]); // 07:00: it never logs then
    // the third morning nothing comes: told once 08:00-09:00 have passed without logs
    expect(w.check(evening + 11 * H + 30 * 60_000)).to.deep.equal([]); // 08:30: yesterday it logged at 08:00 but not at 07:00
    const told = w.check(evening + 12 * H + 60_000);
    expect(told.map((i) => i.details!.gateway)).to.deep.equal(['office']);
    // and the day it stops at 15:00, it is told at 17:00
    const v = new SilenceWatch({ afterHours: 2 });
    for (let d = 0; d < 2; d++) feed(v, 'office', day0 + d * 86_400_000 + 8 * H, 13, 30);
    const last = feed(v, 'office', day0 + 2 * 86_400_000 + 8 * H, 7, 30);
    expect(v.check(last + 2 * H).map((i) => i.type)).to.deep.equal(['log-silence']);
  });

  it('two gateways are two stories; a busy one keeps the quiet one\'s silence', () => {
    const w = new SilenceWatch({ afterHours: 2 });
    feed(w, 'fw-a', T0, 24, 20);
    const last = feed(w, 'fw-b', T0, 24, 20);
    // fw-b keeps sending for three more hours, fw-a is silent
    feed(w, 'fw-b', last + 1, 3, 20);
    const told = w.check(last + 3 * H);
    expect(told.map((i) => i.details!.gateway)).to.deep.equal(['fw-a']);
  });
});
