import { describe, expect, it } from 'vitest';
import { connectPolicy, contentSecurityPolicy, CSP_DIRECTIVES, securityHeaders } from './securityPolicy.ts';

describe("the page's security policy", () => {
  it("admits only the app's own origin: no remote hosts, no eval, no inline script", () => {
    for (const [name, sources] of Object.entries(CSP_DIRECTIVES)) {
      for (const s of sources) expect(s, `${name} ${s}`).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|'unsafe-inline'|data:|blob:)$/);
    }
    expect(CSP_DIRECTIVES['script-src']).not.toContain("'unsafe-inline'");
    expect(contentSecurityPolicy()).not.toMatch(/'unsafe-eval'|\*/);
    // Remote schemes appear only for connections, which the page narrows at start (next test).
    for (const directive of contentSecurityPolicy().split('; ')) {
      if (!directive.startsWith('connect-src ')) expect(directive).not.toMatch(/https?:/);
    }
    expect(contentSecurityPolicy()).toMatch(/connect-src 'self' blob: data: http: https:(;|$)/);
  });

  it('narrows connections at start to the own origin and the one DICOMweb server the user named', () => {
    expect(connectPolicy(null)).toBe("connect-src 'self' blob: data:");
    expect(connectPolicy('https://pacs.example.org:8443')).toBe("connect-src 'self' blob: data: https://pacs.example.org:8443");
    // Never a path, a wildcard, a second source or another scheme smuggled into the policy.
    for (const bad of [
      'https://pacs.example.org/dicom-web',
      'https://*.example.org',
      'https://a.org https://b.org',
      'ftp://pacs',
      "'unsafe-eval'",
      'javascript:1',
    ]) {
      expect(() => connectPolicy(bad), bad).toThrow();
    }
  });

  it('leaves frame-ancestors out of the <meta> form, where browsers ignore it with a console error', () => {
    expect(contentSecurityPolicy()).toMatch(/frame-ancestors 'none'/);
    expect(contentSecurityPolicy({ meta: true })).not.toMatch(/frame-ancestors/);
  });

  it("adds the dev server's nonce to scripts only, and sends the headers a <meta> cannot", () => {
    const h = securityHeaders({ extraScript: ["'nonce-abc'"] });
    expect(h['Content-Security-Policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';/);
    expect(h['Content-Security-Policy']!.match(/nonce-abc/g)).toHaveLength(1);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['X-Frame-Options']).toBe('DENY');
  });
});
