/**
 * Field and key names whose values are secrets (variable keys, connection extra keys), matched
 * case-insensitively as substrings: Airflow's list. The logs layer masks their values and the
 * connections layer registers them with the masker, so the list lives here, where both can read it.
 */
export const SENSITIVE_NAME_PARTS: readonly string[] = [
  'access_token', 'api_key', 'apikey', 'authorization', 'passphrase', 'passwd', 'password',
  'private_key', 'secret', 'token', 'keyfile_dict', 'service_account',
];

export function isSensitiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_NAME_PARTS.some((part) => lower.includes(part));
}
