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
