// safetensors.mjs - a tiny reader of .safetensors files (8-byte little-endian header length, JSON
// header, raw little-endian data) for the peer benchmark; tensors come back as Float32Array.
// Errors name the file and the problem.

function f16ToF32(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Returns { name, metadata, tensors: { [name]: { shape, data: Float32Array } } }. */
export function readSafetensors(bytes, name = 'model') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (u8.length < 8) throw new Error(`${name}: too short for a safetensors header`);
  const hlen = Number(dv.getBigUint64(0, true));
  if (8 + hlen > u8.length) throw new Error(`${name}: header length ${hlen} runs past the end of the file`);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + hlen)));
  } catch (e) {
    throw new Error(`${name}: header is not JSON (${e.message})`);
  }
  const base = 8 + hlen, tensors = {};
  for (const [key, t] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const [begin, end] = t.data_offsets;
    const count = t.shape.reduce((p, d) => p * d, 1);
    const size = { F32: 4, F16: 2, BF16: 2 }[t.dtype];
    if (!size) throw new Error(`${name}: tensor ${key} has dtype ${t.dtype} (F32, F16, BF16 are read)`);
    if (end - begin !== count * size || base + end > u8.length) throw new Error(`${name}: tensor ${key} has bad data offsets`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = base + begin + i * size;
      if (t.dtype === 'F32') data[i] = dv.getFloat32(at, true);
      else if (t.dtype === 'F16') data[i] = f16ToF32(dv.getUint16(at, true));
      else data[i] = new Float32Array(new Uint32Array([dv.getUint16(at, true) << 16]).buffer)[0];
    }
    tensors[key] = { shape: t.shape, data };
  }
  return { name, metadata: header.__metadata__ ?? {}, tensors };
}
