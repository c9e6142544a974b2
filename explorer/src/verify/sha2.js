// SHA-256 and SHA-512 (FIPS 180-4), synchronous, Uint8Array in and out.
//
// Why not WebCrypto: `crypto.subtle` exists only in secure contexts (https or
// localhost), and the explorer is served over plain http on intranets; it is also
// asynchronous, which would make every hash in the verifier a promise. These are
// straightforward transcriptions of FIPS 180-4 sections 4.2, 5.1 and 6.2/6.4, written
// for clarity; the whole verifier hashes a few hundred kilobytes at most.

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const H256 = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** Pads `message` as FIPS 180-4 5.1: a 1 bit, zeros, then the bit length in `lenBytes`. */
function pad(message, blockBytes, lenBytes) {
  if (!(message instanceof Uint8Array)) {
    throw new TypeError('sha2: the message must be a Uint8Array');
  }
  const total = Math.ceil((message.length + 1 + lenBytes) / blockBytes) * blockBytes;
  const out = new Uint8Array(total);
  out.set(message);
  out[message.length] = 0x80;
  // The bit length as a big-endian integer in the last `lenBytes` bytes. Messages here
  // are far below 2^53 bits, so two 32-bit words carry it exactly.
  const bits = message.length * 8;
  const view = new DataView(out.buffer);
  view.setUint32(total - 8, Math.floor(bits / 0x100000000));
  view.setUint32(total - 4, bits >>> 0);
  return out;
}

const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** SHA-256 of `message` (Uint8Array), 32 bytes. */
export function sha256(message) {
  const data = pad(message, 64, 8);
  const view = new DataView(data.buffer);
  const h = H256.slice();
  const w = new Uint32Array(64);
  for (let block = 0; block < data.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + 4 * t);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K256[t] + w[t]) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setUint32(4 * i, word >>> 0));
  return out;
}

// SHA-512 works on 64-bit words; each is kept as two 32-bit halves (hi, lo) in
// Int32Arrays, since BigInt arithmetic would be two orders of magnitude slower.
const K512_HEX = [
  '428a2f98d728ae22', '7137449123ef65cd', 'b5c0fbcfec4d3b2f', 'e9b5dba58189dbbc',
  '3956c25bf348b538', '59f111f1b605d019', '923f82a4af194f9b', 'ab1c5ed5da6d8118',
  'd807aa98a3030242', '12835b0145706fbe', '243185be4ee4b28c', '550c7dc3d5ffb4e2',
  '72be5d74f27b896f', '80deb1fe3b1696b1', '9bdc06a725c71235', 'c19bf174cf692694',
  'e49b69c19ef14ad2', 'efbe4786384f25e3', '0fc19dc68b8cd5b5', '240ca1cc77ac9c65',
  '2de92c6f592b0275', '4a7484aa6ea6e483', '5cb0a9dcbd41fbd4', '76f988da831153b5',
  '983e5152ee66dfab', 'a831c66d2db43210', 'b00327c898fb213f', 'bf597fc7beef0ee4',
  'c6e00bf33da88fc2', 'd5a79147930aa725', '06ca6351e003826f', '142929670a0e6e70',
  '27b70a8546d22ffc', '2e1b21385c26c926', '4d2c6dfc5ac42aed', '53380d139d95b3df',
  '650a73548baf63de', '766a0abb3c77b2a8', '81c2c92e47edaee6', '92722c851482353b',
  'a2bfe8a14cf10364', 'a81a664bbc423001', 'c24b8b70d0f89791', 'c76c51a30654be30',
  'd192e819d6ef5218', 'd69906245565a910', 'f40e35855771202a', '106aa07032bbd1b8',
  '19a4c116b8d2d0c8', '1e376c085141ab53', '2748774cdf8eeb99', '34b0bcb5e19b48a8',
  '391c0cb3c5c95a63', '4ed8aa4ae3418acb', '5b9cca4f7763e373', '682e6ff3d6b2b8a3',
  '748f82ee5defb2fc', '78a5636f43172f60', '84c87814a1f0ab72', '8cc702081a6439ec',
  '90befffa23631e28', 'a4506cebde82bde9', 'bef9a3f7b2c67915', 'c67178f2e372532b',
  'ca273eceea26619c', 'd186b8c721c0c207', 'eada7dd6cde0eb1e', 'f57d4f7fee6ed178',
  '06f067aa72176fba', '0a637dc5a2c898a6', '113f9804bef90dae', '1b710b35131c471b',
  '28db77f523047d84', '32caab7b40c72493', '3c9ebe0a15c9bebc', '431d67c49c100d4c',
  '4cc5d4becb3e42b6', '597f299cfc657e2a', '5fcb6fab3ad6faec', '6c44198c4a475817',
];
const H512_HEX = [
  '6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1',
  '510e527fade682d1', '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179',
];

function halves(hexWords) {
  const hi = new Int32Array(hexWords.length);
  const lo = new Int32Array(hexWords.length);
  hexWords.forEach((word, i) => {
    hi[i] = parseInt(word.slice(0, 8), 16) | 0;
    lo[i] = parseInt(word.slice(8), 16) | 0;
  });
  return [hi, lo];
}

const [K512_HI, K512_LO] = halves(K512_HEX);
const [H512_HI, H512_LO] = halves(H512_HEX);

// 64-bit rotations and shifts on (hi, lo), returning the high or the low half.
// ROTR^n for n < 32: hi' = hi>>>n | lo<<(32-n), lo' = lo>>>n | hi<<(32-n); for n >= 32
// swap the halves and rotate by n - 32.
const rotrHi = (hi, lo, n) => (n < 32 ? (hi >>> n) | (lo << (32 - n)) : (lo >>> (n - 32)) | (hi << (64 - n)));
const rotrLo = (hi, lo, n) => (n < 32 ? (lo >>> n) | (hi << (32 - n)) : (hi >>> (n - 32)) | (lo << (64 - n)));
const shrHi = (hi, _lo, n) => hi >>> n; // n < 32 in every use
const shrLo = (hi, lo, n) => (lo >>> n) | (hi << (32 - n));

/** SHA-512 of `message` (Uint8Array), 64 bytes. */
export function sha512(message) {
  const data = pad(message, 128, 16);
  const view = new DataView(data.buffer);
  const hHi = H512_HI.slice();
  const hLo = H512_LO.slice();
  const wHi = new Int32Array(80);
  const wLo = new Int32Array(80);
  const v = new Int32Array(16); // a..h as (hi, lo) pairs: v[2i], v[2i+1]
  for (let block = 0; block < data.length; block += 128) {
    for (let t = 0; t < 16; t++) {
      wHi[t] = view.getInt32(block + 8 * t);
      wLo[t] = view.getInt32(block + 8 * t + 4);
    }
    for (let t = 16; t < 80; t++) {
      // sigma0 = ROTR1 ^ ROTR8 ^ SHR7 of w[t-15]; sigma1 = ROTR19 ^ ROTR61 ^ SHR6 of w[t-2]
      const xh = wHi[t - 15];
      const xl = wLo[t - 15];
      const s0h = rotrHi(xh, xl, 1) ^ rotrHi(xh, xl, 8) ^ shrHi(xh, xl, 7);
      const s0l = rotrLo(xh, xl, 1) ^ rotrLo(xh, xl, 8) ^ shrLo(xh, xl, 7);
      const yh = wHi[t - 2];
      const yl = wLo[t - 2];
      const s1h = rotrHi(yh, yl, 19) ^ rotrHi(yh, yl, 61) ^ shrHi(yh, yl, 6);
      const s1l = rotrLo(yh, yl, 19) ^ rotrLo(yh, yl, 61) ^ shrLo(yh, yl, 6);
      // Sum of four 64-bit words: add the low halves as unsigned numbers (exact in a
      // double), carry the overflow into the high half.
      const lo = (s1l >>> 0) + (wLo[t - 7] >>> 0) + (s0l >>> 0) + (wLo[t - 16] >>> 0);
      const hi = s1h + wHi[t - 7] + s0h + wHi[t - 16] + Math.floor(lo / 0x100000000);
      wHi[t] = hi | 0;
      wLo[t] = lo | 0;
    }
    for (let i = 0; i < 8; i++) {
      v[2 * i] = hHi[i];
      v[2 * i + 1] = hLo[i];
    }
    for (let t = 0; t < 80; t++) {
      const [ah, al, bh, bl, ch, cl, dh, dl] = [v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]];
      const [eh, el, fh, fl, gh, gl, hh, hl] = [v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]];
      // T1 = h + Sigma1(e) + Ch(e,f,g) + K[t] + W[t]
      const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41);
      const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41);
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K512_LO[t] >>> 0) + (wLo[t] >>> 0);
      const t1h = hh + S1h + chh + K512_HI[t] + wHi[t] + Math.floor(t1l / 0x100000000);
      // T2 = Sigma0(a) + Maj(a,b,c)
      const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39);
      const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39);
      const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (S0l >>> 0) + (mjl >>> 0);
      const t2h = S0h + mjh + Math.floor(t2l / 0x100000000);
      // h = g, g = f, f = e, e = d + T1, d = c, c = b, b = a, a = T1 + T2
      const eNewL = (dl >>> 0) + ((t1l | 0) >>> 0);
      const eNewH = dh + (t1h | 0) + Math.floor(eNewL / 0x100000000);
      const aNewL = ((t1l | 0) >>> 0) + ((t2l | 0) >>> 0);
      const aNewH = (t1h | 0) + (t2h | 0) + Math.floor(aNewL / 0x100000000);
      v[14] = gh;
      v[15] = gl;
      v[12] = fh;
      v[13] = fl;
      v[10] = eh;
      v[11] = el;
      v[8] = eNewH | 0;
      v[9] = eNewL | 0;
      v[6] = ch;
      v[7] = cl;
      v[4] = bh;
      v[5] = bl;
      v[2] = ah;
      v[3] = al;
      v[0] = aNewH | 0;
      v[1] = aNewL | 0;
    }
    for (let i = 0; i < 8; i++) {
      const lo = (hLo[i] >>> 0) + (v[2 * i + 1] >>> 0);
      hHi[i] = (hHi[i] + v[2 * i] + Math.floor(lo / 0x100000000)) | 0;
      hLo[i] = lo | 0;
    }
  }
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) {
    outView.setInt32(8 * i, hHi[i]);
    outView.setInt32(8 * i + 4, hLo[i]);
  }
  return out;
}
