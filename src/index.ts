/** The gatewatch engine: everything here runs without Node-RED. */
export * from './event';
export { LineParser, PARSERS, parserById } from './parsers/registry';
export { parseHeader } from './syslog/header';
