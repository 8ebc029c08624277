import { CONFIG_SCHEMA, SECTIONS } from './schema.js';

/** The documented default updraft.toml written by `updraft config init` and on first `standalone`. */
export function renderDefaultConfig(home: string): string {
  const lines = ['# Updraft configuration. Every key is optional; shown with its default.',
    '# Any key can be overridden by the environment variable UPDRAFT__<SECTION>__<KEY>.', ''];
  for (const section of SECTIONS) {
    lines.push(`[${section}]`);
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA[section])) {
      const value = typeof spec.default === 'function' ? spec.default(home) : spec.default;
      lines.push(`# ${spec.description}${spec.allowed ? ` One of: ${spec.allowed.join(', ')}.` : ''}`);
      lines.push(`# ${key} = ${JSON.stringify(value)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
