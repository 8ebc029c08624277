import { UpdraftError } from '../common/errors.js';

/*
 * The small part of YAML that connection files use, written and read here rather than adding a
 * dependency: block mappings and sequences nested by indentation, plain / single-quoted /
 * double-quoted scalars, `|` and `>` block scalars (PEM keys in extras), `{}` / `[]` flow
 * collections that are valid JSON, comments and a leading `---`. Anchors, aliases, tags and
 * multi-document streams are refused with the line they are on.
 */

/** YAML for plain data: every string double-quoted (JSON escapes are valid YAML), so nothing is misread as a number, a boolean or null. */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value.map((item) => (isCollection(item) && !isEmpty(item)
      ? `${pad}-\n${toYaml(item, indent + 2)}`
      : `${pad}- ${scalar(item)}\n`)).join('');
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries.map(([key, item]) => (isCollection(item) && !isEmpty(item)
      ? `${pad}${JSON.stringify(key)}:\n${toYaml(item, indent + 2)}`
      : `${pad}${JSON.stringify(key)}: ${scalar(item)}\n`)).join('');
  }
  return `${pad}${scalar(value)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCollection(value: unknown): boolean {
  return Array.isArray(value) || isObject(value);
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : isObject(value) && Object.keys(value).length === 0;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value));
}

interface Line {
  number: number;
  indent: number;
  text: string;
}

function yamlError(line: number, why: string): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `YAML line ${line}: ${why}`);
}

/** Parses the YAML subset above into plain data. */
export function parseYaml(source: string): unknown {
  const raw = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lines: Line[] = [];
  const blockLines = new Map<number, string[]>();
  for (let i = 0; i < raw.length; i++) {
    const full = raw[i]!;
    if (/^\t/.test(full)) throw yamlError(i + 1, 'indentation must be spaces, not tabs');
    const text = stripComment(full).trimEnd();
    if (text.trim() === '') continue;
    if (text.trim() === '---' && lines.length === 0) continue;
    if (text.trim() === '---' || text.trim() === '...') throw yamlError(i + 1, 'one document per file');
    const indent = text.length - text.trimStart().length;
    lines.push({ number: i + 1, indent, text: text.trim() });
    // A block scalar (key: | or - |) owns the following more-indented lines verbatim.
    if (/(?:^|:|^-)\s*[|>][+-]?$/.test(text.trim())) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < raw.length; j++) {
        const next = raw[j]!;
        if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
        body.push(next);
      }
      blockLines.set(i + 1, body);
      i = j - 1;
    }
  }
  if (lines.length === 0) return null;
  let position = 0;

  const parseBlock = (indent: number): unknown => {
    const first = lines[position]!;
    if (first.text.startsWith('- ') || first.text === '-') return parseSequence(first.indent);
    if (splitKey(first.text) !== null) return parseMapping(first.indent);
    position++;
    if (lines[position] !== undefined && lines[position]!.indent > indent) throw yamlError(lines[position]!.number, 'unexpected indentation');
    return parseScalar(first.text, first.number, blockLines.get(first.number));
  };

  const parseMapping = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    while (position < lines.length) {
      const line = lines[position]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw yamlError(line.number, 'unexpected indentation');
      const split = splitKey(line.text);
      if (split === null) throw yamlError(line.number, `expected "key: value", got ${JSON.stringify(line.text.slice(0, 60))}`);
      const key = split.key;
      if (Object.prototype.hasOwnProperty.call(out, key)) throw yamlError(line.number, `key ${JSON.stringify(key)} appears twice`);
      position++;
      if (split.rest === '') {
        const next = lines[position];
        if (next !== undefined && (next.indent > indent || (next.indent === indent && next.text.startsWith('-')))) {
          out[key] = parseBlock(next.indent);
        } else {
          out[key] = null;
        }
      } else {
        out[key] = parseScalar(split.rest, line.number, blockLines.get(line.number));
      }
    }
    return out;
  };

  const parseSequence = (indent: number): unknown[] => {
    const out: unknown[] = [];
    while (position < lines.length) {
      const line = lines[position]!;
      if (line.indent < indent || !(line.text.startsWith('- ') || line.text === '-')) break;
      if (line.indent > indent) throw yamlError(line.number, 'unexpected indentation');
      const rest = line.text === '-' ? '' : line.text.slice(2).trim();
      if (rest === '') {
        position++;
        const next = lines[position];
        out.push(next !== undefined && next.indent > indent ? parseBlock(next.indent) : null);
      } else if (splitKey(rest) !== null && !/^["']/.test(rest)) {
        // "- key: value" starts a mapping indented at the key.
        const keyIndent = line.indent + (line.text.length - rest.length);
        lines[position] = { number: line.number, indent: keyIndent, text: rest };
        out.push(parseMapping(keyIndent));
      } else {
        position++;
        out.push(parseScalar(rest, line.number, blockLines.get(line.number)));
      }
    }
    return out;
  };

  const value = parseBlock(lines[0]!.indent);
  if (position < lines.length) throw yamlError(lines[position]!.number, 'unexpected content');
  return value;
}

/** Removes a `#` comment that is outside quotes and starts a word. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function splitKey(text: string): { key: string; rest: string } | null {
  if (text.startsWith('"')) {
    const end = closingQuote(text, '"');
    if (end < 0 || text[end + 1] !== ':') return null;
    return { key: JSON.parse(text.slice(0, end + 1)) as string, rest: text.slice(end + 2).trim() };
  }
  if (text.startsWith("'")) {
    const end = closingQuote(text, "'");
    if (end < 0 || text[end + 1] !== ':') return null;
    return { key: text.slice(1, end).replace(/''/g, "'"), rest: text.slice(end + 2).trim() };
  }
  const match = /^([^:{}[\],#&*!|>'"%@`][^:]*?):(?:\s+(.*))?$/.exec(text);
  if (match === null) return null;
  return { key: match[1]!.trim(), rest: (match[2] ?? '').trim() };
}

function closingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

function parseScalar(text: string, line: number, block: string[] | undefined): unknown {
  if (/^[|>][+-]?$/.test(text)) return blockScalar(text, block ?? []);
  if (/^[&*!]/.test(text)) throw yamlError(line, 'anchors, aliases and tags are not supported; write the value out');
  if (text.startsWith('"')) {
    if (closingQuote(text, '"') !== text.length - 1) throw yamlError(line, `unterminated or trailing text after a double-quoted string`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw yamlError(line, 'a double-quoted string with an escape JSON does not know');
    }
  }
  if (text.startsWith("'")) {
    if (closingQuote(text, "'") !== text.length - 1) throw yamlError(line, 'unterminated or trailing text after a single-quoted string');
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw yamlError(line, 'flow collections ({…} or […]) must be written as JSON here; or use block style');
    }
  }
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

function blockScalar(header: string, body: string[]): string {
  const nonEmpty = body.filter((l) => l.trim() !== '');
  const indent = nonEmpty.length === 0 ? 0 : Math.min(...nonEmpty.map((l) => l.length - l.trimStart().length));
  const lines = body.map((l) => l.slice(indent));
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const text = header.startsWith('|') ? lines.join('\n') : lines.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ');
  if (header.endsWith('-')) return text;
  return `${text}\n`;
}
