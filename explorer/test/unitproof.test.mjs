// The unit-proof verifier's handling of input it cannot trust (explorer/src/verify/
// unitproof.js): unit identifiers as UnitId::parse reads them, the file's structure as
// serde reads it, and a seeded fuzz: whatever the file or the genesis bytes, the
// verifier answers a verdict of a known check and never throws. The verdicts on real
// proofs are in fixtures.test.mjs (from the Rust harness).

import test from 'node:test';
import assert from 'node:assert/strict';

import { verifyUnitProof, verifyUnitProofText, parseUnitId, startChain, FORMAT } from '../src/verify/unitproof.js';
import { seeded } from './support.mjs';

const CHECKS = new Set(['format', 'header', 'commit', 'entry', 'transition', 'genesis']);

test('unit identifiers parse as the AEF checker does (runtime/src/units.rs)', () => {
  const id = parseUnitId('CA0001-IND01-IND-12345-2025');
  assert.deepEqual(id.unit, { ca: 'CA0001', registry: 'IND01', ftp: 'IND', serial: 12345n, vintage: 2025 });
  assert.equal(parseUnitId('CA0001-IND01-IND-12,345-2025').unit.serial, 12345n);
  assert.equal(parseUnitId('CA0001-IND01-IND-9223372036854775807-2025').ok, false, 'more than 18 digits');
  assert.equal(parseUnitId('CA0001-IND01-IND-999999999999999999-2025').unit.serial, 999999999999999999n);
  for (const bad of [
    'CA0001-IND01-IND-012345-2025',
    'CA0001-IND01-IND-0-2025',
    'CA0001-IND01-IND-12,34-2025',
    'CA001-IND01-IND-1-2025',
    'CA0001-IND1-IND-1-2025',
    'CA0001-IND01-IN-1-2025',
    'CA0001-IND01-IND-1-25',
    'CA0001-IND01-IND-1',
    'CA0001-IND01-IND-1-2025-x',
    'CA0001-IND01-IND-1-２０２５',
  ]) {
    assert.equal(parseUnitId(bad).ok, false, bad);
  }
});

/** A file of the right shape whose content proves nothing. */
function skeleton() {
  const proof = { leaf: null, siblings: [] };
  const entry = { key: '00', value: '00', proof };
  return {
    format: FORMAT,
    unit: 'CA0001-JPN01-IND-1-2025',
    height: 4,
    header: '00',
    commit: '00',
    meta: entry,
    current: entry,
    events: [entry],
    transitions: [{ height: 2, header: '00', commit: '00', meta: proof, next_proposal: { key: '00', value: null, proof }, changes: [] }],
  };
}

const genesisBytes = new Uint8Array(64); // not a genesis

test('the structure is read as serde reads UnitProof (deny_unknown_fields, required fields)', () => {
  const check = (edit) => {
    const file = structuredClone(skeleton());
    edit(file);
    return verifyUnitProof(genesisBytes, file);
  };
  assert.equal(check((f) => (f.extra = 1)).check, 'format');
  assert.equal(check((f) => delete f.meta).check, 'format');
  assert.equal(check((f) => (f.height = -1)).check, 'format');
  assert.equal(check((f) => (f.height = 1.5)).check, 'format');
  assert.equal(check((f) => (f.height = 2 ** 60)).check, 'format', 'not exact in a JS number');
  assert.equal(check((f) => (f.events = {})).check, 'format');
  assert.equal(check((f) => (f.transitions[0].next_proposal.value = 5)).check, 'format');
  assert.equal(check((f) => (f.current.proof.siblings = ['zz'])).check, 'format');
  assert.equal(check((f) => (f.format = 'jcm-unit-proof/9')).check, 'format');
  assert.equal(check((f) => (f.unit = 'CA0001')).check, 'format');
  // The shape is right: what fails next is the genesis, which these bytes are not.
  assert.equal(check(() => {}).check, 'genesis');
  assert.equal(check((f) => delete f.transitions).check, 'genesis', 'transitions default to none');
  assert.equal(check((f) => (f.transitions[0].next_proposal = { key: '00', proof: { siblings: [] } })).check, 'genesis', 'an absent value and leaf');
  assert.equal(verifyUnitProofText(genesisBytes, '{"format": ').check, 'format');
  assert.equal(verifyUnitProofText(genesisBytes, 42).check, 'format');
});

test('a genesis that does not decode is its own verdict, as the CLI refuses to load it', () => {
  const started = startChain(Uint8Array.of(1, 2, 3));
  assert.equal(started.ok, false);
  assert.equal(started.check, 'genesis');
  assert.equal(startChain('not bytes').check, 'genesis');
});

function randomJson(random, depth = 0) {
  switch (random.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return random.int(2) === 0;
    case 2:
      return random.int(1000) - 10;
    case 3:
      return ['', '00', 'zz', 'CA0001-JPN01-IND-1-2025', FORMAT, 'ab'.repeat(32)][random.int(6)];
    case 4:
      return 1.5;
    case 5:
      return Array.from({ length: random.int(3) }, () => randomJson(random, depth + 1));
    default: {
      const out = {};
      for (let i = random.int(4); i > 0; i--) out[['leaf', 'siblings', 'key', 'value', 'x'][random.int(5)]] = randomJson(random, depth + 1);
      return out;
    }
  }
}

/** Replaces one value somewhere in `value` (a fresh copy) by a random one. */
function mutate(value, random) {
  if (value === null || typeof value !== 'object' || random.int(4) === 0) return randomJson(random);
  const copy = Array.isArray(value) ? value.slice() : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0 || random.int(6) === 0) {
    if (Array.isArray(copy)) copy.push(randomJson(random));
    else copy[['extra', 'leaf', 'value'][random.int(3)]] = randomJson(random);
    return copy;
  }
  const key = keys[random.int(keys.length)];
  if (random.int(8) === 0) delete copy[key];
  else copy[key] = mutate(copy[key], random);
  return copy;
}

test('2000 mutated files and random genesis bytes: always a verdict of a known check, never an exception (seed 5)', () => {
  const random = seeded(5);
  for (let i = 0; i < 2000; i++) {
    const file = i % 10 === 0 ? randomJson(random) : mutate(skeleton(), random);
    const genesis = i % 3 === 0 ? random.bytes(random.int(200)) : genesisBytes;
    let result;
    assert.doesNotThrow(() => {
      result = verifyUnitProof(genesis, file);
    }, `#${i}`);
    assert.equal(result.verdict, 'invalid', `#${i}`);
    assert.ok(CHECKS.has(result.check), `#${i}: ${result.check}: ${result.message}`);
    assert.equal(typeof result.message, 'string');
  }
  for (const odd of [undefined, null, 0, 'text', [], new Uint8Array(3)]) {
    assert.equal(verifyUnitProof(odd, skeleton()).verdict, 'invalid');
    assert.equal(verifyUnitProof(genesisBytes, odd).check, 'format');
  }
});

test('followTransitions answers a value, not an exception', async () => {
  const { followTransitions } = await import('../src/verify/unitproof.js');
  const chain = { chainId: 'x', validators: [], set: { members: [], total: 0n }, genesisHash: '00' };
  const proof = { height: 4n, transitions: [{ height: 1n }], meta: {} };
  const result = followTransitions(chain, proof);
  assert.equal(result.ok, false);
  assert.equal(result.check, 'transition');
  assert.equal(result.part, 'order');
  assert.deepEqual(followTransitions(chain, { height: 4n, transitions: [] }).ok, true);
});
