import { decodeUtf8, NotUtf8Error, Utf8PieceDecoder } from '../config/text';

/** Decodes `bytes` cut into pieces of `size`: the text, or the line NotUtf8Error names. */
function inPieces(bytes: Uint8Array, size: number): string | number {
  const decoder = new Utf8PieceDecoder();
  const pieces: string[] = [];
  try {
    for (let at = 0; at < bytes.length; at += size) pieces.push(decoder.write(bytes.subarray(at, at + size)));
    pieces.push(decoder.end());
  } catch (error) {
    if (error instanceof NotUtf8Error) return error.line;
    throw error;
  }
  return pieces.join('');
}

describe('decoding UTF-8 piece by piece', () => {
  const text = '\ufeffa: é\nb: €\n\nc: \u{1F600}\n'.repeat(3);
  const bytes = Buffer.from(text, 'utf8');

  it('gives the text decodeUtf8 gives, byte order mark kept, wherever the bytes are cut', () => {
    expect(decodeUtf8(bytes)).toEqual({ text });
    for (const size of [1, 2, 3, 5, 64]) expect(inPieces(bytes, size)).toBe(text);
  });

  it('names the line decodeUtf8 names, wherever the bytes are cut, a sequence cut short included', () => {
    const cases = [
      Buffer.concat([bytes, Buffer.from([0x61, 0x3a, 0x20, 0x62, 0x0a, 0x8f, 0xfe, 0x00, 0x41])]),
      // A valid sequence, then one cut short by a newline; and one cut short by the end of the file.
      Buffer.concat([bytes, Buffer.from('x: €', 'utf8'), Buffer.from([0x0a, 0x79, 0xe2, 0x82, 0x0a])]),
      Buffer.concat([bytes, Buffer.from([0x0a, 0x79, 0xf0, 0x9f, 0x98])]),
    ];
    for (const sample of cases) {
      const decoded = decodeUtf8(sample);
      expect('nonUtf8Line' in decoded).toBe(true);
      const line = 'nonUtf8Line' in decoded ? decoded.nonUtf8Line : 0;
      expect(line).toBeGreaterThan(12);
      for (const size of [1, 2, 3, 5, 64, 1 << 20]) expect([size, inPieces(sample, size)]).toEqual([size, line]);
    }
  });
});
