/**
 * Who may use web mode's API: a browser that opened a one-time login URL (it then holds a session
 * cookie) or a script that sends the server's token as `Authorization: Bearer`.
 *
 * Why a one-time code and a cookie rather than a token in the URL: a URL stays in the address bar,
 * the history, and, when the demo starts a browser, on a command line every local user can read
 * (`ps`). A spent code is worthless there. The cookie is HttpOnly (no page script can read it) and
 * SameSite=Strict (no other site's page can send it along).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The query parameter of a one-time login URL. */
export const LOGIN_PARAM = 'login';

export interface Login {
  /** Mints a fresh one-time login code. */
  newCode(): string;
  /**
   * Answers `GET /?login=CODE`: a fresh code becomes a session cookie and a 303 to `/`; a browser
   * that is logged in already and opens a spent link again just goes on to `/`; anything else is 403.
   */
  answer(req: IncomingMessage, res: ServerResponse, code: string, headers: Record<string, string>): void;
  /** Whether a request carries a live session cookie or the token as a Bearer header. */
  isAuthorised(req: IncomingMessage): boolean;
}

/** Codes and sessions are kept as SHA-256 digests: a lookup's timing tells nothing about the secret. */
function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every value of the cookie `name` in a `Cookie` header (RFC 6265 5.4; a name may repeat). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

function spent(launchCommand: string): string {
  return (
    'This login link was already used or is not valid: each one logs in one browser, once.\n' +
    `Open a new login URL from the terminal running \`${launchCommand}\` (restart it for a new one).\n`
  );
}

/**
 * @param token the scripts' secret
 * @param cookieName the session cookie's name; it must differ per server (see web-server.ts)
 */
export function createLogin(token: string, cookieName: () => string, launchCommand = 'vxlan-studio serve'): Login {
  const SPENT = spent(launchCommand);
  const codes = new Set<string>();
  const sessions = new Set<string>();

  function hasSession(req: IncomingMessage): boolean {
    return cookieValues(req.headers.cookie, cookieName()).some((value) => sessions.has(digest(value)));
  }

  function hasBearerToken(req: IncomingMessage): boolean {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return match?.[1] !== undefined && tokensEqual(match[1], token);
  }

  return {
    newCode() {
      const code = newSecret();
      codes.add(digest(code));
      return code;
    },
    answer(req, res, code, headers) {
      const noStore = { ...headers, 'Cache-Control': 'no-store' };
      if (codes.delete(digest(code))) {
        const session = newSecret();
        sessions.add(digest(session));
        res.writeHead(303, {
          ...noStore,
          Location: '/',
          'Set-Cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        });
        res.end();
        return;
      }
      if (hasSession(req)) {
        res.writeHead(303, { ...noStore, Location: '/' });
        res.end();
        return;
      }
      res.writeHead(403, { ...noStore, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(SPENT) });
      res.end(SPENT);
    },
    isAuthorised(req) {
      return hasSession(req) || hasBearerToken(req);
    },
  };
}
