import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { buildReport } from '../../src/report/build';
import { offlinePeriod, writeOfflineReport } from '../../src/report/offline';
import { renderAll } from '../../src/report/render';
import { RollupAccumulator } from '../../src/report/rollup';
import { genEvents, genIncidents } from '../helpers/reportdata';

const DAY = 86400000;
const from = Date.UTC(2026, 10, 16), to = from + 7 * DAY;

describe('offline report and email shape', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'gw-offline-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the HTML (and the PDF when Chromium is there) for a replayed log', async () => {
    const acc = new RollupAccumulator();
    let first: string | undefined, last: string | undefined;
    for (const ev of genEvents(20000, { from: from + 3600000 * 5 + 1234, to: from + 2 * DAY, seed: 2 })) {
      acc.add(ev);
      first ??= ev['@timestamp'];
      last = ev['@timestamp'];
    }
    const p = offlinePeriod(first, last);
    expect(p.from % 3600000).to.equal(0);
    expect(p.to).to.be.greaterThan(Date.parse(last!));
    const html = join(dir, 'out', 'report.html'), pdf = join(dir, 'out', 'report.pdf');
    const withPdf = existsSync('/usr/bin/chromium');
    const report = await writeOfflineReport({ incidents: genIncidents(10, { from: p.from, to: p.to }), rollups: acc, ...p, site: { name: 'Replay', timezone: 'UTC' } },
      { html, pdf: withPdf ? pdf : undefined });
    expect(report.totals.events).to.equal(20000);
    expect(report.period.kind).to.equal('custom');
    const text = readFileSync(html, 'utf8');
    expect(text).to.contain('<svg');
    expect(text).to.contain('Replay');
    if (withPdf) expect(readFileSync(pdf).subarray(0, 5).toString()).to.equal('%PDF-');
  });

  it('builds a real MIME email whose HTML finds its chart by Content-ID (nodemailer + mailparser)', async () => {
    const acc = new RollupAccumulator();
    for (const ev of genEvents(5000, { from, to, seed: 3 })) acc.add(ev);
    const out = renderAll(buildReport({ from, to, incidents: genIncidents(20, { from, to }), rollups: acc.snapshot(), site: { name: 'Shop' } }));
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await transport.sendMail({ from: 'gatewatch@example.com', to: 'owner@example.com', subject: out.subject, html: out.emailHtml, text: out.text, attachments: out.attachments });
    const mail = await simpleParser(info.message as Buffer);
    expect(mail.subject).to.equal(out.subject);
    const png = mail.attachments.find((a) => a.contentType === 'image/png')!;
    expect(png.cid).to.equal('timeline@gatewatch');
    expect(png.content.subarray(1, 4).toString()).to.equal('PNG');
    expect(mail.attachments.map((a) => a.filename)).to.include.members(['gatewatch-weekly-2026-11-16-incidents.csv', 'gatewatch-weekly-2026-11-16.json']);
    // mailparser inlines cid: images as data: URIs, which shows the reference resolves.
    expect(String(mail.html)).to.match(/src="data:image\/png;base64,/);
    expect(mail.text).to.contain('gatewatch security report: Shop');
  });
});
