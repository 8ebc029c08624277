/**
 * Python's fnmatch (what Airflow's S3Hook and S3KeySensor use for wildcard keys): `*` matches any
 * run of characters including `/`, `?` one character, `[seq]` one of seq, `[!seq]` one not in seq.
 * Matching is case-sensitive (fnmatchcase), as S3 keys are.
 */
export function fnmatchToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      source += '[\\s\\S]*';
      while (pattern[i + 1] === '*') i++;
    } else if (ch === '?') {
      source += '[\\s\\S]';
    } else if (ch === '[') {
      const close = pattern.indexOf(']', pattern[i + 1] === '!' || pattern[i + 1] === ']' ? i + 2 : i + 1);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      // Inside a class only `\`, `]` and `^` need escaping; ranges (a-z) stay as they are.
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(name);
}

/** The literal part of a wildcard key before its first `*`, `?` or `[`: the prefix to list. */
export function wildcardPrefix(pattern: string): string {
  const index = pattern.search(/[*?[]/);
  return index === -1 ? pattern : pattern.slice(0, index);
}
