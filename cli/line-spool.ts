/**
 * Lines to print later, held in memory up to a bound and in a temporary file past it: `rewrite` reports a file's
 * images only once the whole file has been read (an invalid document at its end means none of it is rewritten), and
 * a file of a million images must not hold a million lines in memory meanwhile.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MEMORY_BOUND = 1 << 20;
const READ_BYTES = 1 << 20;

export class LineSpool {
  private held: string[] = [];
  private heldLength = 0;
  private file?: { readonly dir: string; readonly fd: number };
  /** How many lines were added. */
  count = 0;

  add(line: string): void {
    this.count += 1;
    this.held.push(`${line}\n`);
    this.heldLength += line.length + 1;
    if (this.heldLength >= MEMORY_BOUND) this.spill();
  }

  /** Hands every line on, in order, in pieces of any size (the spool is then empty). */
  drain(write: (text: string | Buffer) => void): void {
    if (this.file) {
      this.spill();
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      let position = 0;
      for (;;) {
        const read = readSync(this.file.fd, buffer, 0, READ_BYTES, position);
        if (read === 0) break;
        write(Buffer.from(buffer.subarray(0, read)));
        position += read;
      }
    } else if (this.held.length > 0) {
      write(this.held.join(''));
    }
    this.clear();
  }

  /** Moves every line to the end of another spool. */
  moveTo(other: LineSpool): void {
    const count = this.count;
    this.drain((text) => other.addText(text));
    other.count += count;
  }

  /** Forgets every line, and the temporary file. */
  clear(): void {
    this.held = [];
    this.heldLength = 0;
    this.count = 0;
    if (this.file) {
      closeSync(this.file.fd);
      rmSync(this.file.dir, { recursive: true, force: true });
      this.file = undefined;
    }
  }

  private addText(text: string | Buffer): void {
    if (typeof text !== 'string') {
      this.spill();
      writeSync(this.spillFile().fd, text);
      return;
    }
    this.held.push(text);
    this.heldLength += text.length;
    if (this.heldLength >= MEMORY_BOUND) this.spill();
  }

  private spill(): void {
    if (this.held.length === 0) return;
    writeSync(this.spillFile().fd, this.held.join(''));
    this.held = [];
    this.heldLength = 0;
  }

  private spillFile(): { readonly dir: string; readonly fd: number } {
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'ecr-cache-lines-'));
      this.file = { dir, fd: openSync(join(dir, 'lines'), 'w+') };
    }
    return this.file;
  }
}
