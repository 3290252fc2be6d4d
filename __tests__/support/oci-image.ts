/**
 * Small OCI image layouts written from scratch (one layer with one file a platform), for tests that push an image to a real
 * registry: no image is downloaded, and nothing but Node builds it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A ustar archive of one regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const checksum = [...header].reduce((sum, byte) => sum + byte, 0);
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** Writes an OCI image layout at `dir` with one image tagged `tag`, whose file says `text`. */
export function writeOciImage(dir: string, tag: string, text: string): void {
  const manifest = writeImageBlobs(dir, { os: 'linux', architecture: 'amd64' }, text);
  writeIndexJson(dir, [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }]);
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/**
 * Writes an OCI image layout at `dir` whose tag `tag` names an image index with one image per platform, each with a
 * file that says `text` and its platform: a multi-platform image as registries serve them. Returns the index's digest.
 */
export function writeOciIndex(dir: string, tag: string, text: string, platforms: readonly Platform[]): string {
  const manifests = platforms.map((platform) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...writeImageBlobs(dir, platform, `${text} (${platform.os}/${platform.architecture})`),
    platform,
  }));
  const index = blobWriter(dir)(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })));
  writeIndexJson(dir, [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }]);
  return index.digest;
}

function blobWriter(dir: string): (data: Buffer) => { digest: string; size: number } {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  return (data) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
}

/** A layer with one file, its config and its manifest, as blobs of the layout; returns the manifest's descriptor. */
function writeImageBlobs(dir: string, platform: Platform, text: string): { digest: string; size: number } {
  const blob = blobWriter(dir);
  const tar = tarOf('hello.txt', Buffer.from(`${text}\n`));
  const layer = blob(gzipSync(tar));
  const config = blob(Buffer.from(JSON.stringify({ ...platform, config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] } })));
  return blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
}

function writeIndexJson(dir: string, manifests: readonly object[]): void {
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}
