/** How the commands write counts and sizes in their reports. */

/** `1 image`, `2 images`; `many` where adding an s is wrong (`retries`). */
export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/** Bytes in binary units, as registries and `docker images` count them: 512 B, 976.6 KiB, 36.2 MiB, 1.25 GiB. */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
