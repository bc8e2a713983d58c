/** The report as plain text (the text/plain part of the email, and for terminals). */
import type { ReportData } from './build';
import { incidentsListed, num } from './build';

function wrap(s: string, width = 76, indent = ''): string {
  const words = s.split(/ +/);
  const lines: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.length + w.length + 1 > width && cur.trim().length) {
      lines.push(cur.trimEnd());
      cur = indent;
    }
    cur += (cur.trim().length ? ' ' : '') + w;
  }
  if (cur.trim().length) lines.push(cur.trimEnd());
  return lines.join('\n');
}

function section(title: string): string {
  return `\n${title}\n${'-'.repeat(title.length)}`;
}

function pad(s: string, n: number, right = false): string {
  const t = s.length > n ? `${s.slice(0, n - 1)}…` : s;
  return right ? t.padStart(n) : t.padEnd(n);
}

export function renderText(r: ReportData): string {
  const o: string[] = [];
  o.push(`gatewatch security report: ${r.site.name}`);
  o.push(r.period.label);
  o.push('');
  o.push(`>> ${r.headline}`);
  o.push('');
  for (const s of r.summary) o.push(wrap(s), '');
  const t = r.totals;
  o.push(`Blocked attempts from the internet: ${num(t.inboundDenied)}`);
  o.push(`Connections let in by your settings: ${num(t.inboundAllowed)}`);
  o.push(`Different addresses (estimate):     ${num(t.attackers)}`);
  o.push(`Attacks recognised:                 ${num(t.incidents)} (critical ${t.bySeverity.critical}, high ${t.bySeverity.high}, medium ${t.bySeverity.medium}, low ${t.bySeverity.low})`);
  if (r.status !== 'no-data') {
    o.push(section('Did anything get through?'));
    if (!r.gotThrough.length) o.push('No.');
    for (const g of r.gotThrough) o.push(wrap(`* ${g}`, 76, '  ').replace(/^ {2}\*/, '*'));
  }
  if (r.advice.length) {
    o.push(section('What to do'));
    r.advice.forEach((a, i) => o.push(wrap(`${i + 1}. ${a}`)));
  }
  o.push(section('Attacks recognised'));
  if (!r.incidentsTotal) o.push(`None this ${r.period.noun}.`);
  for (const i of r.incidents) {
    o.push(`[${i.severity.toUpperCase()}] ${i.firstSeen}${i.count ? ` to ${i.lastSeen}` : ''}  ${i.attacker}${i.countryName ? ` (${i.countryName})` : ''}`);
    o.push(wrap(i.summary || i.label, 76, '    '));
    if (i.allowed) o.push(`    ${num(i.allowed)} let through`);
  }
  const more = r.incidentsTotal - incidentsListed(r.incidents);
  if (more > 0) o.push(`... and ${num(more)} more in the attached CSV.`);
  if (r.status !== 'no-data') {
    if (r.countries.length) {
      o.push(section('Where the traffic came from'));
      const ha = r.homeAbroad, ext = ha.home + ha.abroad + ha.unknown;
      if (ha.homeCountry && ext) o.push(`From abroad ${Math.round((ha.abroad / ext) * 100)}%, from ${ha.homeName} ${Math.round((ha.home / ext) * 100)}%.`);
      for (const c of r.countries) o.push(`${pad(c.name, 28)} ${pad(num(c.events), 12, true)} ${pad(`${Math.round(c.share * 100)}%`, 5, true)}`);
    }
    if (r.networks.length) {
      o.push(section('Networks'));
      for (const n of r.networks) o.push(`${pad(`AS${n.asn} ${n.org}`, 44)} ${pad(num(n.events), 12, true)}`);
    }
    if (r.addresses.length) {
      o.push(section('Busiest addresses'));
      for (const a of r.addresses) o.push(`${pad(a.ip, 40)} ${pad(a.country, 3)} ${pad(num(a.denied), 10, true)} blocked ${pad(num(a.allowed), 8, true)} let in${a.bad ? '  BLOCKLISTED' : ''}`);
    }
    o.push(section('What they were after'));
    for (const p of r.ports) o.push(`${pad(p.port === -1 ? 'other' : p.port === 0 ? '-' : `${p.port}/${p.transport}`, 10)} ${pad(p.service, 34)} ${pad(num(p.denied), 10, true)} blocked ${pad(num(p.allowed), 8, true)} let in`);
    o.push(section('Services open to the internet'));
    if (!r.exposed.length) o.push('None seen.');
    for (const p of r.exposed) o.push(`${pad(`${p.port}/${p.transport}`, 10)} ${pad(p.service, 34)} ${pad(num(p.allowed), 10, true)} let in`);
    o.push(section('Devices inside contacting known-bad addresses'));
    if (!r.outboundBad.length) o.push('None seen.');
    for (const a of r.outboundBad) o.push(`${pad(a.ip, 40)} ${pad(a.country, 3)} ${pad(num(a.events), 10, true)} connections`);
  }
  if (r.comparison.length) {
    o.push(section(`Compared with the previous ${r.period.noun}`));
    for (const c of r.comparison) o.push(wrap(`* ${c}`));
  }
  o.push('');
  o.push(wrap(`Period ${r.period.from} to ${r.period.to} (UTC), shown in ${r.site.timezone}. ${num(t.events)} firewall events. Generated ${r.generatedAt} by gatewatch.`));
  return `${o.join('\n')}\n`;
}
