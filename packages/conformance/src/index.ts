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
export { type HardeningOptions, hardeningConformance } from './hardening-suite.js';
export type { WorkerConfig } from './hardening-worker.js';
export { type NetStatus, type NetUnderTest, netConformance } from './net-suite.js';
export {
  attempt,
  closeServer,
  type ErrorShape,
  type EventTrace,
  errorShape,
  firstOf,
  type ListenOutcome,
  listenOutcome,
  noScrub,
  portToken,
  recordEvents,
  type Scrub,
  scrubber,
  serverAddress,
  settle,
  socketAddresses,
  socketState,
} from './observe.js';
export {
  applyDifferences,
  BEHAVIOURS,
  type Behaviour,
  type CallContext,
  CONNECT_CASES,
  type ConnectCase,
  CREATE_SERVER_CASES,
  type CreateServerCase,
  decodeParityRecording,
  encodeParityRecording,
  LISTEN_CASES,
  type ListenCase,
  type NetFunctions,
  NODE_NET,
  type Pairing,
  type ParityRecording,
  type ParityRowRecord,
  type ParitySubject,
  PRODUCT_DIFFERENCES,
  type ProductDifference,
  pairingsOf,
  parityConformance,
  type RecordedParitySubject,
  recordParity,
  type Transport,
} from './parity-suite.js';
export { type ExchangeServer, sha256, startExchangeServer, unixPair } from './peers.js';
export {
  type FastPathOutcome,
  type PlatformExpectations,
  platformExpectations,
  QEMU_ENV,
  WINE_ENV,
} from './platform-expectations.js';
export {
  type PythonReport,
  pythonPayload,
  runPythonClient,
  startPythonServer,
} from './python-peers.js';
export { quietPort } from './quiet-ports.js';
export { type StandIn, standInBackend } from './stand-in.js';
export { thrownBy } from './throws.js';
