/**
 * The headers a user may add to every request to a target (`--header`, a scenario's `backend.headers`):
 * anything but what syncsim sets itself and what belongs to the connection. Such a header would break the
 * exchange in ways the run would then blame on the target (a second Content-Type answered 415, a wrong
 * Content-Length read as resets), or fail every request as "unreachable".
 */

/** Lower-case names, with why each one is not the user's to set. */
const OWNED: Readonly<Record<string, string>> = {
  authorization:
    'the bearer token comes from an environment variable (--token-env NAME, backend.tokenEnv), never from a header',
  'content-type': 'syncsim sends its JSON bodies as application/json',
  'content-length': 'the HTTP client sets it from the body',
  'transfer-encoding': 'the HTTP client sets it from the body',
  accept: 'syncsim asks for application/json',
  host: 'it comes from the target URL',
  connection: 'the HTTP client manages its connections (keep-alive)',
  'keep-alive': 'the HTTP client manages its connections (keep-alive)',
  'proxy-connection': 'the HTTP client manages its connections (keep-alive)',
  upgrade: 'the HTTP client manages its connections (keep-alive)',
  expect: 'the HTTP client sends each body at once',
  te: 'the HTTP client decides what it accepts',
  trailer: 'the HTTP client sends no trailers',
};

/** An RFC 9110 token. */
const NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Visible characters, spaces and tabs: no CR, LF or other control character that would end the header. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why a header cannot be added to the requests, or null when it can. */
export function extraHeaderProblem(name: string, value: string): string | null {
  if (!NAME.test(name)) return `${JSON.stringify(name)} is not a header name`;
  const owned = OWNED[name.toLowerCase()];
  if (owned !== undefined) return `${name} cannot be set: ${owned}`;
  if (!VALUE.test(value)) return `the value of ${name} holds a control character (CR, LF, ...)`;
  return null;
}
