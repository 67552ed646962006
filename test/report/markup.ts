/**
 * A small, regex-free well-formedness checker for the XML and HTML the reports write: tags balance, attribute
 * values are quoted, `<` never appears raw in text or attributes, every `&` starts a known entity. It returns
 * the element tree so tests can count elements and read attributes. Not a general parser: no CDATA, no DTD.
 */

export interface Element {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: Element[];
  /** Decoded text directly inside this element. */
  text: string;
}

export interface MarkupOptions {
  /** HTML: elements without a closing tag, attributes without values, a `<!doctype html>`. */
  readonly html?: boolean;
}

const HTML_VOID = new Set([
  'meta',
  'link',
  'br',
  'hr',
  'img',
  'input',
  'source',
  'wbr',
  'area',
  'base',
  'col',
]);
const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isNameChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    char === '-' ||
    char === '_' ||
    char === ':' ||
    char === '.'
  );
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\n' || char === '\t' || char === '\r';
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  fail(message: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new Error(
      `${message} at line ${line}: ${JSON.stringify(this.text.slice(this.pos, this.pos + 60))}`,
    );
  }
  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }
  startsWith(prefix: string): boolean {
    return this.text.startsWith(prefix, this.pos);
  }
  skipSpace(): void {
    while (isSpace(this.peek())) this.pos++;
  }
  name(): string {
    const start = this.pos;
    while (this.pos < this.text.length && isNameChar(this.text[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail('expected a name');
    return this.text.slice(start, this.pos);
  }
  /** Decodes text up to (not including) `stop`, checking `<` and entities. */
  decode(stop: string): string {
    let out = '';
    while (this.pos < this.text.length) {
      const char = this.text[this.pos]!;
      if (char === stop) return out;
      if (char === '<') {
        if (stop === '<') return out;
        this.fail('raw < in an attribute value');
      }
      if (char === '&') {
        const end = this.text.indexOf(';', this.pos);
        if (end < 0 || end - this.pos > 10) this.fail('& that starts no entity');
        const entity = this.text.slice(this.pos + 1, end);
        if (entity.startsWith('#x')) out += String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
        else if (entity.startsWith('#')) out += String.fromCodePoint(Number(entity.slice(1)));
        else if (NAMED_ENTITIES[entity] !== undefined) out += NAMED_ENTITIES[entity];
        else this.fail(`unknown entity &${entity};`);
        this.pos = end + 1;
        continue;
      }
      out += char;
      this.pos++;
    }
    if (stop !== '<') this.fail('unterminated attribute value');
    return out;
  }
}

/** Parses `text`; throws with the line of the first problem. Returns the root element. */
export function parseMarkup(text: string, options: MarkupOptions = {}): Element {
  // Annotated, so that TypeScript treats s.fail() as ending the flow.
  const s: Scanner = new Scanner(text);
  const html = options.html === true;
  const document: Element = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: Element[] = [document];
  while (s.pos < text.length) {
    if (s.startsWith('<?')) {
      const end = text.indexOf('?>', s.pos);
      if (end < 0) s.fail('unterminated processing instruction');
      s.pos = end + 2;
      continue;
    }
    if (s.startsWith('<!--')) {
      const end = text.indexOf('-->', s.pos);
      if (end < 0) s.fail('unterminated comment');
      s.pos = end + 3;
      continue;
    }
    if (s.startsWith('<!')) {
      if (
        !html ||
        !s.text
          .slice(s.pos, s.pos + 9)
          .toLowerCase()
          .startsWith('<!doctype')
      )
        s.fail('unexpected <!');
      s.pos = text.indexOf('>', s.pos) + 1;
      continue;
    }
    if (s.startsWith('</')) {
      s.pos += 2;
      const name = s.name();
      s.skipSpace();
      if (s.peek() !== '>') s.fail('expected > after a closing tag');
      s.pos++;
      const open = stack.pop();
      if (open === undefined || open.name !== name) s.fail(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    if (s.peek() === '<') {
      s.pos++;
      const name = s.name();
      const attributes: Record<string, string> = {};
      for (;;) {
        const before = s.pos;
        s.skipSpace();
        const char = s.peek();
        if (char === '>' || char === '/') break;
        if (s.pos === before) s.fail('expected a space before an attribute');
        const attribute = s.name();
        if (Object.hasOwn(attributes, attribute)) s.fail(`duplicate attribute ${attribute}`);
        s.skipSpace();
        if (s.peek() !== '=') {
          if (!html) s.fail(`attribute ${attribute} without a value`);
          attributes[attribute] = '';
          continue;
        }
        s.pos++;
        s.skipSpace();
        const quote = s.peek();
        if (quote !== '"' && quote !== "'") s.fail('unquoted attribute value');
        s.pos++;
        attributes[attribute] = s.decode(quote);
        s.pos++;
      }
      const element: Element = { name, attributes, children: [], text: '' };
      stack[stack.length - 1]!.children.push(element);
      if (s.startsWith('/>')) {
        s.pos += 2;
        continue;
      }
      s.pos++;
      if (html && HTML_VOID.has(name.toLowerCase())) continue;
      if (html && (name === 'style' || name === 'script')) {
        // Raw text elements: their content ends at the closing tag.
        const end = text.indexOf(`</${name}>`, s.pos);
        if (end < 0) s.fail(`unterminated <${name}>`);
        element.text = text.slice(s.pos, end);
        s.pos = end + name.length + 3;
        continue;
      }
      stack.push(element);
      continue;
    }
    const current = stack[stack.length - 1]!;
    current.text += s.decode('<');
  }
  if (stack.length !== 1) s.fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  const roots = document.children;
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  if (!html && document.text.trim() !== '') throw new Error('text outside the root element');
  return roots[0]!;
}

/** Every element named `name` under `root` (depth first, document order). */
export function findAll(root: Element, name: string): Element[] {
  const found: Element[] = [];
  const visit = (element: Element) => {
    if (element.name === name) found.push(element);
    for (const child of element.children) visit(child);
  };
  visit(root);
  return found;
}

/** All the text under an element, decoded. */
export function textOf(element: Element): string {
  return element.text + element.children.map(textOf).join('');
}
