import { UpdraftError } from '../../../common/errors.js';

/**
 * Names of the files of one export. Without splitting the file is s3Key itself. With splitting
 * (maxRowsPerFile or maxBytesPerFile) file n (from 0) is s3Key with `{part}` replaced by n padded to
 * five digits, or, when s3Key has no `{part}`, with `_<n>` inserted before the extensions of its
 * last segment: `exports/2024-01-01/movies.jsonl.gz` → `exports/2024-01-01/movies_00000.jsonl.gz`.
 */
export const PART_PLACEHOLDER = '{part}';
const PAD = 5;

export interface PartNaming {
  /** The key of file n. */
  key(n: number): string;
  /** Everything before the part number: what to list to find earlier parts. */
  prefix: string;
  /** The part number of a key of this export, or null for any other key. */
  partOf(key: string): number | null;
}

export function partNaming(s3Key: string, split: boolean): PartNaming {
  if (s3Key.split(PART_PLACEHOLDER).length > 2) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `s3Key ${JSON.stringify(s3Key)} has ${PART_PLACEHOLDER} more than once; use it at most once`);
  }
  let before: string;
  let after: string;
  const at = s3Key.indexOf(PART_PLACEHOLDER);
  if (at !== -1) {
    before = s3Key.slice(0, at);
    after = s3Key.slice(at + PART_PLACEHOLDER.length);
  } else if (!split) {
    return { key: () => s3Key, prefix: s3Key, partOf: (key) => (key === s3Key ? 0 : null) };
  } else {
    const slash = s3Key.lastIndexOf('/');
    const dot = s3Key.indexOf('.', slash + 2);
    before = `${dot === -1 ? s3Key : s3Key.slice(0, dot)}_`;
    after = dot === -1 ? '' : s3Key.slice(dot);
  }
  const pad = (n: number): string => String(n).padStart(PAD, '0');
  return {
    key: (n) => `${before}${pad(n)}${after}`,
    prefix: before,
    partOf(key) {
      if (!key.startsWith(before) || !key.endsWith(after)) return null;
      const middle = key.slice(before.length, key.length - after.length);
      return /^\d{5,}$/.test(middle) ? Number(middle) : null;
    },
  };
}
