// The explorer's verifier, in one import: `import * as verify from './verify/index.js'`.
// Plain ES modules, no dependencies, the same files in the browser and in Node.js.

export { sha256, sha512 } from './sha2.js';
export { verify as ed25519Verify, isDalekKey } from './ed25519.js';
export { Reader, DecodeError, decodeAll, toHex, fromHex } from './borsh.js';
export {
  decodeHeader,
  decodeCommit,
  consensusSet,
  validatorsHash,
  listRoot,
  precommitSignBytes,
  verifyCommit,
  applyOne,
  KEYS,
} from './chain.js';
export { verifyMerkle, parseProof } from './merkle.js';
export {
  decodeGenesis,
  readGenesis,
  readChainMeta,
  readUnitBlock,
  readEvent,
  readEventKind,
  readScheduledChange,
  readValidatorChange,
  readValidator,
  formatTimestamp,
  plain,
} from './model.js';
export {
  verifyUnitProof,
  verifyUnitProofText,
  parseUnitProof,
  parseUnitId,
  startChain,
  verifyCertifiedHeader,
  verifyEntry,
  verifyLookup,
  followTransitions,
  FORMAT,
  FORMAT_V1,
} from './unitproof.js';
