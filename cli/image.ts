import { cacheImageUri, ImageMappingError } from '../lib/images/cache-uri';
import { cacheOf } from '../config/environment';
import { environmentsDirectory, loadEnvironment } from '../config/environments';

/** Prints the cache URI of each reference, in order; prints nothing and fails when any cannot be mapped. */
export function image(references: readonly string[], options: { env: string; environments?: string }): number {
  // A consumer's images come from its hub's cache.
  const cache = cacheOf(loadEnvironment(options.env, environmentsDirectory(options.environments)));
  const uris: string[] = [];
  const failures: string[] = [];
  for (const reference of references) {
    try {
      uris.push(cacheImageUri(cache, reference));
    } catch (error) {
      if (!(error instanceof ImageMappingError)) throw error;
      failures.push(error.message);
    }
  }
  if (failures.length > 0) {
    for (const failure of failures) console.error(failure);
    return 1;
  }
  console.log(uris.join('\n'));
  return 0;
}
