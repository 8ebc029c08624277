import { UpdraftError } from '../../common/errors.js';

/**
 * Airflow's get_email_address_list: one string holding addresses separated by `,` or `;`, or a
 * list of such strings, becomes a flat list of trimmed addresses. Anything else is refused with a
 * message naming the field, the value, and what is allowed.
 */
export function emailAddressList(value: unknown, field = 'to'): string[] {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `email ${field} is ${describeValue(value)}; it must be an address, addresses separated by "," or ";", or a list of addresses`,
      { details: { field } });
  }
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `email ${field} has ${describeValue(item)} in its list; every item must be an address string`, { details: { field } });
    }
    for (const part of item.split(/[,;]/)) {
      const address = part.trim();
      if (address === '') continue;
      if (!isAddress(address)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `email ${field} has ${JSON.stringify(address)}, which is not an email address; use addresses like "oncall@example.com" or "Ops <ops@example.com>"`,
          { details: { field, address } });
      }
      out.push(address);
    }
  }
  return out;
}

/** `user@host` or `Display Name <user@host>`, without whitespace or brackets in the address itself. */
function isAddress(text: string): boolean {
  const angle = /^[^<>]*<([^<>\s]+)>$/.exec(text);
  const address = angle === null ? text : angle[1]!;
  return /^[^\s@<>,;]+@[^\s@<>,;]+$/.test(address);
}

/** The bare address of `Name <user@host>` (for the SMTP envelope). */
export function bareAddress(address: string): string {
  const angle = /<([^<>\s]+)>\s*$/.exec(address);
  return angle === null ? address.trim() : angle[1]!;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
