/**
 * gatewatch feeds (config node): the reputation lists to use. Keeps the last good copy of each list
 * in the Node-RED user directory (gatewatch-feeds/<id>.txt + .json), refreshes politely, and hands the
 * combined index to the reputation nodes that use it.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { FeedDef, toFeedDefs } from '../../src/enrich/feeds';
import { FeedSet, ReputationIndex } from '../../src/enrich/reputation';

interface FeedsNodeDef extends NodeDef {
  feeds?: Partial<FeedDef>[] | string;
  storeDir?: string;
  matchLocal?: boolean;
  timeoutS?: number | string;
}

export interface FeedsNode extends Node {
  feedSet: FeedSet | null;
  problems: string[];
  /** The current index (empty until a list is loaded). */
  index(): ReputationIndex;
  onChange(fn: (idx: ReputationIndex) => void): () => void;
}

export = function (RED: NodeAPI) {
  function GatewatchFeedsNode(this: FeedsNode, config: FeedsNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.problems = [];
    const defs = toFeedDefs(config.feeds, node.problems);
    for (const p of node.problems) node.warn(RED._('gatewatch-feeds.errors.bad', { problem: p }));
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir || tmpdir();
    const storeDir = (config.storeDir || '').trim() || join(userDir, 'gatewatch-feeds');
    node.feedSet = null;
    try {
      node.feedSet = new FeedSet(defs, { storeDir, matchLocal: !!config.matchLocal, timeoutMs: Number(config.timeoutS) > 0 ? Number(config.timeoutS) * 1000 : undefined });
      node.feedSet.start();
    } catch (e) {
      node.problems.push((e as Error).message);
      node.error(RED._('gatewatch-feeds.errors.bad', { problem: (e as Error).message }));
    }
    const empty = ReputationIndex.empty();
    node.index = () => node.feedSet?.index ?? empty;
    node.onChange = (fn) => node.feedSet?.onChange(fn) ?? (() => undefined);

    node.on('close', (_removed: boolean, done: () => void) => {
      node.feedSet?.close();
      done();
    });
  }
  RED.nodes.registerType('gatewatch-feeds', GatewatchFeedsNode);
};
