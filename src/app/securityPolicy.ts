/**
 * The page's defences. Pseudolab serves itself and nothing else: every script, worker, WebAssembly binary and
 * style comes from the app's own origin, and nothing is fetched from anywhere else (a user's files are read through
 * the file picker, never by URL). So a strict policy costs nothing and closes the door on injected scripts and on
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

/** The policy as a header value; `extraScript` adds sources (the dev server's nonce for its injected preamble). */
export function contentSecurityPolicy(opts: { meta?: boolean; extraScript?: readonly string[] } = {}): string {
  return Object.entries(CSP_DIRECTIVES)
    .filter(([name]) => !(opts.meta && name === 'frame-ancestors'))
    .map(([name, sources]) => `${name} ${[...sources, ...(name === 'script-src' ? (opts.extraScript ?? []) : [])].join(' ')}`)
    .join('; ');
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
