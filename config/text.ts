/** Text files as YAML needs them: UTF-8, said by line when they are not. */
import { isUtf8 } from 'node:buffer';

/**
 * The first line of `bytes` that is not UTF-8, or undefined when every line is. A newline byte is never part of a
 * multi-byte UTF-8 sequence (RFC 3629: those bytes are 0x80 and above), so each line can be checked alone.
 */
export function nonUtf8Line(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) return line;
    if (end === -1) return undefined;
    start = end + 1;
  }
}

/** A text file's bytes as text, or the line where they stop being UTF-8 (read as UTF-8, such bytes would silently become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): { readonly text: string } | { readonly nonUtf8Line: number } {
  const line = nonUtf8Line(bytes);
  return line === undefined ? { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') } : { nonUtf8Line: line };
}

/** Bytes that stop being UTF-8 at `line`. */
export class NotUtf8Error extends Error {
  constructor(readonly line: number) {
    super(`not UTF-8 text (line ${line})`);
  }
}

/**
 * A text file's bytes decoded piece by piece, as decodeUtf8 decodes them whole: `write` and `end` throw NotUtf8Error
 * naming the line where they stop being UTF-8. A fatal TextDecoder throws at the first bytes that are not (WHATWG
 * Encoding, "fatal" error mode), where StringDecoder would put U+FFFD; the line is found from the newlines read
 * before. A byte order mark is kept, as decodeUtf8 keeps it.
 */
export class Utf8PieceDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The line the next piece starts on. */
  private line = 1;
  /**
   * The last character read, from its first byte, unless a newline ends the bytes read: a sequence cut short at the
   * end of a piece (held over by the decoder) starts there. At most 4 bytes (RFC 3629).
   */
  private lastCharacter: Uint8Array = new Uint8Array(0);

  write(bytes: Uint8Array): string {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      // The bytes that are not UTF-8 are in this piece or in a sequence held over from the last, which starts
      // lastCharacter. A newline byte is never inside a sequence, so lines are checked alone (nonUtf8Line).
      throw new NotUtf8Error(this.line + (nonUtf8Line(Buffer.concat([this.lastCharacter, bytes])) ?? 1) - 1);
    }
    for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) this.line += 1;
    const tail = Buffer.concat([this.lastCharacter, bytes.subarray(-4)]);
    let start = tail.length - 1;
    // Back over continuation bytes (10xxxxxx) to the first byte of the last character.
    while (start > 0 && (tail[start] & 0xc0) === 0x80) start -= 1;
    this.lastCharacter = tail[start] === 0x0a ? new Uint8Array(0) : tail.slice(Math.max(start, 0));
    return text;
  }

  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw new NotUtf8Error(this.line);
    }
  }
}
