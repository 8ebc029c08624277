/**
 * Value-based masking, as Airflow does it: every registered secret is replaced by `***` wherever it
 * appears in a line. Values shorter than MIN_SECRET_LENGTH are ignored, because masking "abc" or
 * "true" would shred ordinary log text and reveal more (by its holes) than it hides.
 */
export const MIN_SECRET_LENGTH = 5;
export const MASK = '***';

// The list of sensitive names lives in common (the connections layer needs it too); re-exported
// here so existing imports keep working.
export { SENSITIVE_NAME_PARTS, isSensitiveName } from '../common/sensitive.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class SecretMasker {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | null = null;
  #dirty = false;

  /**
   * Registers a secret. Also registers the forms it takes in URLs (percent-encoded, both
   * encodeURIComponent and form encoding) and inside JSON strings, and each line of a multi-line
   * secret (a PEM key), because log text is masked one line at a time.
   */
  add(value: string | null | undefined): void {
    if (typeof value !== 'string') return;
    const forms = new Set<string>([value, value.trim()]);
    forms.add(encodeURIComponent(value));
    forms.add(encodeURIComponent(value).replace(/%20/g, '+'));
    forms.add(JSON.stringify(value).slice(1, -1));
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r?\n/)) forms.add(line.trim());
    }
    for (const form of forms) {
      if (form.length < MIN_SECRET_LENGTH || this.#secrets.has(form)) continue;
      this.#secrets.add(form);
      this.#dirty = true;
    }
  }

  /** Number of distinct registered forms (for tests and diagnostics). */
  get size(): number {
    return this.#secrets.size;
  }

  mask(text: string): string {
    if (this.#secrets.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    if (this.#dirty || this.#pattern === null) {
      // Longest first, so a secret that contains another is replaced whole.
      const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
      this.#dirty = false;
    }
    return text.replace(this.#pattern, MASK);
  }
}
