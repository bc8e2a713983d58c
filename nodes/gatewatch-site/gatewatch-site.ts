/**
 * gatewatch site (config node): the organisation being watched — its own networks, public addresses,
 * WAN interfaces, time zone and home country. Other gatewatch nodes read `site`, `timezone`, `settings`.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { Site, SiteSettings, splitList, validateSite } from '../../src/enrich/site';

interface SiteNodeDef extends NodeDef {
  homeNets?: string;
  publicAddresses?: string;
  wanInterfaces?: string;
  timezone?: string;
  homeCountry?: string;
}

export interface SiteNode extends Node {
  site: Site;
  settings: SiteSettings;
  /** IANA time zone, or undefined (the parse node reads this). */
  timezone?: string;
  homeCountry?: string;
  /** Problems found in the configuration (the site falls back to what is valid). */
  problems: string[];
}

export = function (RED: NodeAPI) {
  function GatewatchSiteNode(this: SiteNode, config: SiteNodeDef) {
    RED.nodes.createNode(this, config);
    const settings: SiteSettings = {
      name: config.name || '',
      homeNets: splitList(config.homeNets),
      publicAddresses: splitList(config.publicAddresses),
      wanInterfaces: splitList(config.wanInterfaces),
      timezone: (config.timezone || '').trim() || undefined,
      homeCountry: (config.homeCountry || '').trim().toUpperCase() || undefined,
    };
    this.problems = validateSite(settings);
    if (this.problems.length) {
      for (const p of this.problems) this.error(RED._('gatewatch-site.errors.bad', { problem: p }));
      // Keep what is valid so the flow still runs.
      settings.homeNets = settings.homeNets!.filter((c) => validateSite({ homeNets: [c] }).length === 0);
      settings.publicAddresses = settings.publicAddresses!.filter((c) => validateSite({ publicAddresses: [c] }).length === 0);
      if (settings.timezone && validateSite({ timezone: settings.timezone }).length) settings.timezone = undefined;
      if (settings.homeCountry && validateSite({ homeCountry: settings.homeCountry }).length) settings.homeCountry = undefined;
    }
    this.settings = settings;
    this.site = new Site(settings);
    this.timezone = this.site.timezone;
    this.homeCountry = this.site.homeCountry;
  }
  RED.nodes.registerType('gatewatch-site', GatewatchSiteNode);
};
