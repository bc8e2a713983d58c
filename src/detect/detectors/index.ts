/** Every detector, in the order they see each event. Adding one = a file + a line here. */
import type { DetectorDef } from '../detector';
import { beacon } from './beacon';
import { bruteforce } from './bruteforce';
import { exposedService } from './exposed-service';
import { flood } from './flood';
import { knownBad } from './known-bad';
import { portscan } from './portscan';
import { sweep } from './sweep';

export const DETECTORS: DetectorDef[] = [knownBad, portscan, sweep, bruteforce, exposedService, beacon, flood];
