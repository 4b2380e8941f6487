/**
 * Shared conformance suites for loopfast: written once, run against every backend and lane.
 *
 * @packageDocumentation
 */
export { backendConformance } from './backend-suite.js';
export { type BadInputCase, badInputCases } from './bad-input.js';
export {
  type OpenList,
  openDescriptors,
  openListFor,
  openSockets,
  settleDescriptorCount,
} from './descriptors.js';
export { adoptClientSocket, adoptServerHandle } from './handoff.js';
export { type NetStatus, type NetUnderTest, netConformance } from './net-suite.js';
export { type ExchangeServer, sha256, startExchangeServer, unixPair } from './peers.js';
export {
  type FastPathOutcome,
  type PlatformExpectations,
  platformExpectations,
  WINE_ENV,
} from './platform-expectations.js';
export {
  type PythonReport,
  pythonPayload,
  runPythonClient,
  startPythonServer,
} from './python-peers.js';
export { thrownBy } from './throws.js';
