/**
 * A YAML stream read piece by piece and handed on document by document, through the yaml library's own streaming
 * stages (Lexer and Parser yield CST tokens as they read, the Composer a Document when the next one starts). Only
 * what is still needed of the source is kept: memory follows the largest document, not the stream.
 */
import { type CST, Composer, type Document, Parser } from 'yaml';

type Token = CST.Token;

/** Text drops are batched: dropping a few bytes at a time would copy the rest each time. */
const RELEASE_AT_LEAST = 1 << 16;

/**
 * The part of a stream's text still needed, addressed by offsets into the whole stream: from the start of the line
 * holding the last released offset (so a node can still look back to its line's start) to what has been read.
 */
export class SourceWindow {
  private text = '';
  private start = 0;
  /** Lines are counted from the last offset asked for: the nodes of a document are asked for nearly in order. */
  private cursorOffset = 0;
  private cursorLine = 1;

  append(chunk: string): void {
    this.text = this.text === '' ? chunk : this.text + chunk;
  }

  /** The offset just past what has been read. */
  get end(): number {
    return this.start + this.text.length;
  }

  /** How many characters are held: what the window costs. */
  get held(): number {
    return this.text.length;
  }

  slice(from: number, to: number): string {
    return this.text.slice(from - this.start, to - this.start);
  }

  indexOf(search: string, from: number): number {
    const at = this.text.indexOf(search, from - this.start);
    return at === -1 ? -1 : at + this.start;
  }

  lastIndexOf(search: string, from: number): number {
    if (from < this.start) return -1;
    const at = this.text.lastIndexOf(search, from - this.start);
    return at === -1 ? -1 : at + this.start;
  }

  /** The one-based line of an offset. */
  lineOf(offset: number): number {
    const { text, start } = this;
    let line = this.cursorLine;
    if (offset >= this.cursorOffset) {
      for (let at = text.indexOf('\n', this.cursorOffset - start); at !== -1 && at + start < offset; at = text.indexOf('\n', at + 1)) line += 1;
    } else {
      for (let at = this.cursorOffset - start - 1; at >= 0; at -= 1) {
        at = text.lastIndexOf('\n', at);
        if (at === -1 || at + start < offset) break;
        line -= 1;
      }
    }
    this.cursorOffset = offset;
    this.cursorLine = line;
    return line;
  }

  /** Drops the text before the line that holds `offset`; nothing before it is asked for again. */
  release(offset: number): void {
    const lineStart = this.lastIndexOf('\n', offset - 1) + 1;
    if (lineStart - this.start < RELEASE_AT_LEAST) return;
    if (this.cursorOffset < lineStart) this.lineOf(lineStart);
    this.text = this.text.slice(lineStart - this.start);
    this.start = lineStart;
  }
}

/**
 * Feeds a YAML stream in pieces; each document is handed on as soon as the parser has it whole (when the next one
 * begins, or at the end of the stream).
 */
export class YamlDocumentStream {
  readonly source = new SourceWindow();
  private readonly parser = new Parser();
  private readonly composer = new Composer();
  /** The end of the last line pushed so far, held back until its newline comes. */
  private partialLine = '';

  constructor(
    private readonly onDocument: (document: Document.Parsed) => void,
    /** What the Composer would have made an error of the document: content after its `...` end marker. */
    private readonly onError: (message: string, offset: number) => void,
  ) {}

  push(chunk: string): void {
    if (chunk === '') return;
    this.source.append(chunk);
    // The parser is given whole lines only: given a line in two pieces (a split in its indentation), yaml 2.9 can
    // read the second as a new, wrongly indented node.
    const lastNewline = chunk.lastIndexOf('\n');
    if (lastNewline === -1) {
      this.partialLine += chunk;
      return;
    }
    const lines = this.partialLine + chunk.slice(0, lastNewline + 1);
    this.partialLine = chunk.slice(lastNewline + 1);
    this.compose(this.parser.parse(lines, true));
  }

  end(): void {
    this.compose(this.parser.parse(this.partialLine, false));
    this.partialLine = '';
    for (const document of this.composer.end()) this.onDocument(document);
  }

  private compose(tokens: Iterable<Token>): void {
    for (const token of tokens) {
      // The Composer keeps a document until the next one, for a `...` end marker that may follow it: a document is
      // taken as soon as it is whole instead, and an end marker, which changes nothing rewrite reads, is checked here
      // as the Composer checks it (yaml's compose/resolve-end.js) but not passed on: alone, it would be taken for
      // a marker without a document.
      if (token.type === 'doc-end') {
        this.checkEndMarker(token);
        continue;
      }
      for (const document of this.composer.next(token)) this.onDocument(document);
      if (token.type === 'document') for (const document of this.composer.end()) this.onDocument(document);
    }
  }

  /** After `...`, only white space and comments (set apart by white space) may follow on its line. */
  private checkEndMarker(token: CST.DocumentEnd): void {
    let offset = token.offset + token.source.length;
    let spaced = false;
    for (const { type, source } of token.end ?? []) {
      if (type === 'space' || type === 'newline') spaced = true;
      else if (type !== 'comment') this.onError(`Unexpected ${type} at node end`, offset);
      else if (!spaced) this.onError('Comments must be separated from other tokens by white space characters', offset);
      offset += source.length;
    }
  }
}
