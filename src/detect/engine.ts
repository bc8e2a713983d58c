/**
 * The detection engine. INTERFACE CONTRACT (used by analyze, the detect node, report, share):
 *   const engine = new DetectEngine(config?)
 *   engine.process(ev)  -> incidents that are new or changed because of this event
 *   engine.tick(nowMs)  -> incidents due on a timer (slow detectors, window closes); call every few seconds
 *   engine.flush()      -> everything still open (end of a replay)
 * This first version detects nothing; the detection work replaces the body, keeping the interface.
 */
import type { GwEvent } from '../event';
import type { Incident } from './incident';

export interface DetectConfig {
  [detector: string]: unknown;
}

export class DetectEngine {
  constructor(readonly config: Partial<DetectConfig> = {}) {}
  process(_ev: GwEvent): Incident[] {
    return [];
  }
  tick(_nowMs: number): Incident[] {
    return [];
  }
  flush(): Incident[] {
    return [];
  }
}
