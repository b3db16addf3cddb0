import { parseDicomwebUrl } from '../io/dicomweb/dicomwebErrors.ts';
import { connectPolicy } from './securityPolicy.ts';

/**
 * "The app speaks only to the server the user names." The served policy admits http(s) connections
 * (securityPolicy.ts: SERVED_CONNECT_WIDENING); this module, imported first by main.tsx, narrows them before any
 * other code of the page runs, to the page's own origin plus the DICOMweb server the user last named. A browser
 * never widens a policy again, so naming another server takes a reload, which applies the new name here; the
 * workspace is autosaved, so a reload loses nothing.
 */

const URL_KEY = 'pseudolab.dicomweb.url';
/** Set just before such a reload, so the dialog opens again where the user left it. */
const REOPEN_KEY = 'pseudolab.dicomweb.reopen';

let allowedOrigin: string | null = null;

/** The DICOMweb address the user last named, or '' (storage unavailable counts as none). */
export function rememberedDicomwebUrl(): string {
  try {
    return localStorage.getItem(URL_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The one server origin this page may connect to, fixed when the page started; null when none was named. */
export function allowedDicomwebOrigin(): string | null {
  return allowedOrigin;
}

/** Remembers `url` and reloads, so the page starts with a policy that admits its origin. */
export function reloadToConnect(url: string): void {
  try {
    localStorage.setItem(URL_KEY, url);
    sessionStorage.setItem(REOPEN_KEY, '1');
  } catch {
    // Without storage the reload cannot carry the name; the dialog then says the server is not allowed yet.
  }
  location.reload();
}

/** Remembers an address the page can already reach (same origin as the one allowed). */
export function rememberDicomwebUrl(url: string): void {
  try {
    localStorage.setItem(URL_KEY, url);
  } catch {
    // Remembering is a convenience; the connection works without it.
  }
}

/** True once after a reloadToConnect: the dialog should open by itself. */
export function takeReopenRequest(): boolean {
  try {
    const asked = sessionStorage.getItem(REOPEN_KEY) === '1';
    sessionStorage.removeItem(REOPEN_KEY);
    return asked;
  } catch {
    return false;
  }
}

/** Adds the narrowing <meta> policy. Runs once, on import, before the rest of the page. */
function narrowConnections(): void {
  const parsed = parseDicomwebUrl(rememberedDicomwebUrl());
  allowedOrigin = 'origin' in parsed && parsed.origin !== location.origin ? parsed.origin : null;
  let policy: string;
  try {
    policy = connectPolicy(allowedOrigin);
  } catch {
    // Whatever was stored, the page still starts, with connections to its own origin only.
    allowedOrigin = null;
    policy = connectPolicy(null);
  }
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = policy;
  meta.dataset.pseudolab = 'connect-policy';
  document.head.append(meta);
}

if (typeof document !== 'undefined') narrowConnections();
