import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, CSP_DIRECTIVES, securityHeaders } from './securityPolicy.ts';

describe('the page\'s security policy', () => {
  it('admits only the app\'s own origin: no remote hosts, no eval, no inline script', () => {
    for (const [name, sources] of Object.entries(CSP_DIRECTIVES)) {
      for (const s of sources) expect(s, `${name} ${s}`).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|'unsafe-inline'|data:|blob:)$/);
    }
    expect(CSP_DIRECTIVES['script-src']).not.toContain("'unsafe-inline'");
    expect(contentSecurityPolicy()).not.toMatch(/'unsafe-eval'|https?:|\*/);
  });

  it('leaves frame-ancestors out of the <meta> form, where browsers ignore it with a console error', () => {
    expect(contentSecurityPolicy()).toMatch(/frame-ancestors 'none'/);
    expect(contentSecurityPolicy({ meta: true })).not.toMatch(/frame-ancestors/);
  });

  it('adds the dev server\'s nonce to scripts only, and sends the headers a <meta> cannot', () => {
    const h = securityHeaders({ extraScript: ["'nonce-abc'"] });
    expect(h['Content-Security-Policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';/);
    expect(h['Content-Security-Policy']!.match(/nonce-abc/g)).toHaveLength(1);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['X-Frame-Options']).toBe('DENY');
  });
});
