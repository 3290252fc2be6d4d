/** "Did you mean" for names the user typed: only a name close enough to be the one meant. */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate `input` is most likely a typo of, or undefined when none is close: at most two edits, and fewer than
 * half the input's length (one more per five characters in long names), case aside; or the only candidate that
 * starts with an input of three or more characters (`github` for github-container-registry). A far-away
 * suggestion misleads more than none.
 */
export function closeMatch(input: string, candidates: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = distance(typed, candidate.toLowerCase());
    if (!best || edits < best.edits) best = { candidate, edits };
  }
  if (best && best.edits <= Math.max(2, Math.floor(typed.length / 5)) && best.edits < typed.length / 2) return best.candidate;
  const extending = typed.length >= 3 ? candidates.filter((candidate) => candidate.toLowerCase().startsWith(typed)) : [];
  return extending.length === 1 ? extending[0] : undefined;
}

/** ` (did you mean "x"?)` for a close candidate, else nothing. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closeMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
