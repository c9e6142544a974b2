// The JavaScript verifier against the Rust one, on fixtures the Rust harness
// (cli/tests/explorer_verifier.rs) writes: proof files valid and tampered, each with
// the verdict of `jcm_cli::proof::verify`. For every fixture the JavaScript verdict and
// check must be the Rust ones (a transition's height and part too), and for a valid
// proof the decoded unit block, events, validators and set changes must equal the Rust
// verifier's JSON. The genesis decoder is checked against the genesis JSON.
//
// Only the harness sets JCM_VERIFY_FIXTURES; without it this file reports itself skipped.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { verifyUnitProof, verifyUnitProofText } from '../src/verify/unitproof.js';
import { decodeGenesis, plain } from '../src/verify/model.js';
import { fromHex } from '../src/verify/borsh.js';
import { sha256 } from '../src/verify/sha2.js';
import { toHex } from '../src/verify/borsh.js';

const dir = process.env.JCM_VERIFY_FIXTURES;

if (!dir) {
  test('the Rust fixtures (set JCM_VERIFY_FIXTURES; cli/tests/explorer_verifier.rs does)', { skip: true }, () => {});
} else {
  const fixtures = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8'));
  const geneses = Object.fromEntries(
    Object.entries(fixtures.geneses).map(([name, g]) => [name, { ...g, bytes: fromHex(g.hex) }]),
  );

  test('each genesis decodes to its JSON, all bytes, and hashes to its genesis hash', () => {
    for (const [name, g] of Object.entries(geneses)) {
      assert.equal(toHex(sha256(g.bytes)), g.hash, name);
      assert.deepEqual(plain(decodeGenesis(g.bytes)), g.json, name);
      const longer = new Uint8Array(g.bytes.length + 1);
      longer.set(g.bytes);
      assert.throws(() => decodeGenesis(longer), /unexpected bytes/, `${name}: a trailing byte`);
      assert.throws(() => decodeGenesis(g.bytes.subarray(0, g.bytes.length - 1)), /truncated/, `${name}: truncated`);
    }
  });

  /** What the JavaScript verifier says of one fixture. */
  function run(c) {
    const genesis = geneses[c.genesis].bytes;
    if ('file' in c) return verifyUnitProof(genesis, c.file);
    if ('text' in c) return verifyUnitProofText(genesis, c.text);
    const bytes = new TextEncoder().encode(fixtures.bases[c.base]);
    bytes[c.flip] ^= 0x01;
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { verdict: 'invalid', check: 'format', message: 'not UTF-8' };
    }
    return verifyUnitProofText(genesis, text);
  }

  /** The differences between the Rust verdict and the JavaScript one; empty if they agree. */
  function disagreement(c, got) {
    const want = c.expect;
    const problems = [];
    if (got.verdict !== want.verdict) {
      problems.push(`verdict ${got.verdict} (${got.check}: ${got.message}), Rust: ${want.verdict} (${want.check}: ${want.message})`);
      return problems;
    }
    if (want.verdict === 'invalid') {
      if (got.check !== want.check) {
        problems.push(`check ${got.check} (${got.message}), Rust: ${want.check} (${want.message})`);
      } else if (want.check === 'transition') {
        const part = typeof want.part === 'string' ? { part: want.part } : { part: 'change', proposal: want.part.change };
        const mine = { part: got.part, ...(got.part === 'change' ? { proposal: got.proposal } : {}) };
        if (got.height !== want.height || JSON.stringify(mine) !== JSON.stringify(part)) {
          problems.push(`transition ${got.height} ${JSON.stringify(mine)}, Rust: ${want.height} ${JSON.stringify(part)} (${got.message})`);
        }
      }
      return problems;
    }
    const p = want.proof;
    const pairs = [
      ['unit', got.unit, p.unit],
      ['height', got.height, p.height],
      ['blockHash', got.blockHash, p.block_hash],
      ['stateRoot', got.stateRoot, p.state_root],
      ['genesisHash', got.genesisHash, p.genesis_hash],
      ['current', got.current, p.current],
      ['events', got.events, p.events],
      ['validators', got.validators, p.validators],
      ['setChanges', got.setChanges, p.set_changes],
    ];
    for (const [name, mine, theirs] of pairs) {
      try {
        assert.deepEqual(mine, theirs);
      } catch (e) {
        problems.push(`${name} differs: ${e.message}`);
      }
    }
    return problems;
  }

  const named = fixtures.cases.filter((c) => !('flip' in c) && !/ byte \d+ changed$/.test(c.name));
  const bulk = fixtures.cases.filter((c) => !named.includes(c));
  let agreed = 0;

  for (const c of named) {
    test(`${c.name}: ${c.expect.verdict}${c.expect.check ? ` (${c.expect.check})` : ''}`, (t) => {
      const start = performance.now();
      const got = run(c);
      if (got.verdict === 'valid') t.diagnostic(`verified in ${(performance.now() - start).toFixed(0)} ms`);
      assert.deepEqual(disagreement(c, got), []);
      agreed += 1;
    });
  }

  test(`${bulk.length} single-byte changes of headers, certificates and whole files`, () => {
    const problems = [];
    for (const c of bulk) {
      for (const p of disagreement(c, run(c))) problems.push(`${c.name}: ${p}`);
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} disagreements`);
    agreed += bulk.length;
  });

  test('500 random mutations of the valid proofs: a verdict of a known check, never an exception (seed 9)', () => {
    const checks = new Set(['format', 'header', 'commit', 'entry', 'transition']);
    let state = 9;
    const int = (n) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const values = [null, 0, 7, -1, '', '00', 'ff'.repeat(32), [], {}, true];
    const mutate = (v) => {
      if (v === null || typeof v !== 'object' || int(5) === 0) {
        if (typeof v === 'string' && v.length > 0 && int(2) === 0) {
          const at = int(v.length);
          return v.slice(0, at) + '0123456789abcdef'[int(16)] + v.slice(at + 1);
        }
        return values[int(values.length)];
      }
      const copy = Array.isArray(v) ? v.slice() : { ...v };
      const keys = Object.keys(copy);
      if (keys.length === 0) return copy;
      const k = keys[int(keys.length)];
      copy[k] = mutate(copy[k]);
      return copy;
    };
    const valid = fixtures.cases.filter((c) => c.expect.verdict === 'valid' && 'file' in c);
    for (let i = 0; i < 500; i++) {
      const c = valid[i % valid.length];
      const got = verifyUnitProof(geneses[c.genesis].bytes, mutate(c.file));
      assert.ok(got.verdict === 'valid' || checks.has(got.check), `#${i}: ${got.check}: ${got.message}`);
    }
  });

  test('every fixture was checked', (t) => {
    assert.equal(agreed, fixtures.cases.length);
    assert.ok(fixtures.cases.some((c) => c.expect.verdict === 'valid'));
    t.diagnostic(`all ${fixtures.cases.length} fixtures agree`);
  });
}
