/**
 * The page's defences. Pseudolab serves itself and nothing else: every script, worker, WebAssembly binary and
 * style comes from the app's own origin, and nothing is fetched from anywhere else (a user's files are read through
 * the file picker, never by URL) but the one DICOMweb server the user names, if any (SERVED_CONNECT_WIDENING). So a strict policy costs nothing and closes the door on injected scripts and on
 * data leaving the machine. Used by vite.config.ts for the dev and preview servers' headers and, as a <meta> tag,
 * for the built page wherever it is hosted.
 */

/** CSP directives. Styles allow inline attributes: React and cornerstone3D position their elements with them. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  // WebAssembly (DICOM codecs, tfjs's CPU backend, ONNX Runtime) is compiled from our own files: 'wasm-unsafe-eval'
  // allows that and nothing like eval().
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'", 'blob:', 'data:'],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
  // Only honoured as a header; a <meta> policy must leave it out.
  'frame-ancestors': ["'none'"],
};

/**
 * The one exception to "own origin only": a DICOMweb server the user names (docs/interop.md#dicomweb). Its address
 * is known only at run time, and a policy can be narrowed at run time but never widened, so the served policy
 * admits http(s) connections and the page narrows them, before any of its own code runs, to its own origin plus
 * that one server (`connectPolicy`, applied by app/dicomwebConnectPolicy.ts). Scripts, workers, styles and
 * everything else stay own-origin in the served policy itself.
 */
export const SERVED_CONNECT_WIDENING: readonly string[] = ['http:', 'https:'];

/** The policy as a header value; `extraScript` adds sources (the dev server's nonce for its injected preamble). */
export function contentSecurityPolicy(opts: { meta?: boolean; extraScript?: readonly string[] } = {}): string {
  const extra = (name: string): readonly string[] => (name === 'script-src' ? (opts.extraScript ?? []) : name === 'connect-src' ? SERVED_CONNECT_WIDENING : []);
  return Object.entries(CSP_DIRECTIVES)
    .filter(([name]) => !(opts.meta && name === 'frame-ancestors'))
    .map(([name, sources]) => `${name} ${[...sources, ...extra(name)].join(' ')}`)
    .join('; ');
}

/**
 * The policy the page adds at start as a second <meta>: a browser enforces every policy it is given, so this one
 * narrows connections to CSP_DIRECTIVES' own-origin sources plus `serverOrigin` (an http(s) origin the user named,
 * or null for none). Anything that is not a bare http(s) origin is refused rather than pasted into the policy.
 */
export function connectPolicy(serverOrigin: string | null): string {
  const own = CSP_DIRECTIVES['connect-src'] ?? ["'self'"];
  if (serverOrigin === null) return `connect-src ${own.join(' ')}`;
  let url: URL;
  try {
    url = new URL(serverOrigin);
  } catch {
    throw new Error(`Not an origin: ${serverOrigin}`);
  }
  // URL accepts "*" in a host name, which in a policy is a wildcard: host names are letters, digits, dots and dashes.
  const host = /^[a-z0-9.-]+$/i.test(url.hostname) || /^\[[0-9a-f:.]+\]$/i.test(url.hostname);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== serverOrigin || !host) {
    throw new Error(`Not an http(s) origin: ${serverOrigin}`);
  }
  return `connect-src ${[...own, serverOrigin].join(' ')}`;
}

/** Headers for every response of the dev and preview servers. */
export function securityHeaders(opts: { extraScript?: readonly string[] } = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}
