import { afterEach, describe, expect, it, vi } from 'vitest';

/*
 * The start-time narrowing, with just enough of a page around it (head, location, storage): what the module adds
 * to the page decides which server the page may reach, so each stored state is checked for the policy it yields.
 * The browser journeys (security, dicomweb) check that Chromium enforces it.
 */

interface FakeMeta {
  httpEquiv: string;
  content: string;
  dataset: Record<string, string>;
}

function fakePage(stored: Record<string, string>): { metas: FakeMeta[] } {
  const metas: FakeMeta[] = [];
  const storage = (data: Record<string, string>) => ({
    getItem: (k: string) => data[k] ?? null,
    setItem: (k: string, v: string) => {
      data[k] = v;
    },
    removeItem: (k: string) => {
      delete data[k];
    },
  });
  vi.stubGlobal('document', {
    createElement: () => ({ httpEquiv: '', content: '', dataset: {} }),
    head: { append: (m: FakeMeta) => metas.push(m) },
  });
  vi.stubGlobal('location', { origin: 'https://pseudolab.hospital.org' });
  vi.stubGlobal('localStorage', storage(stored));
  vi.stubGlobal('sessionStorage', storage({}));
  return { metas };
}

async function start(stored: Record<string, string>) {
  const page = fakePage(stored);
  vi.resetModules();
  const mod = await import('./dicomwebConnectPolicy.ts');
  return { ...page, mod };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('connections narrowed when the page starts', () => {
  it('admits only the own origin while no server has been named', async () => {
    const { metas, mod } = await start({});
    expect(metas).toHaveLength(1);
    expect(metas[0]).toMatchObject({ httpEquiv: 'Content-Security-Policy', content: "connect-src 'self' blob: data:" });
    expect(mod.allowedDicomwebOrigin()).toBeNull();
  });

  it('admits the origin of the remembered server, and nothing of its path', async () => {
    const { metas, mod } = await start({ 'pseudolab.dicomweb.url': 'https://pacs.hospital.org:8443/dicom-web' });
    expect(metas[0]!.content).toBe("connect-src 'self' blob: data: https://pacs.hospital.org:8443");
    expect(mod.allowedDicomwebOrigin()).toBe('https://pacs.hospital.org:8443');
    expect(mod.rememberedDicomwebUrl()).toBe('https://pacs.hospital.org:8443/dicom-web');
  });

  it("adds nothing for a server on the page's own origin, and starts own-origin-only whatever junk is stored", async () => {
    expect((await start({ 'pseudolab.dicomweb.url': 'https://pseudolab.hospital.org/dicom-web' })).metas[0]!.content).toBe("connect-src 'self' blob: data:");
    for (const junk of ['https://*.hospital.org/dicom-web', "https://a.org 'unsafe-eval'", 'javascript:alert(1)', 'not a url']) {
      const { metas, mod } = await start({ 'pseudolab.dicomweb.url': junk });
      expect(metas[0]!.content, junk).toBe("connect-src 'self' blob: data:");
      expect(mod.allowedDicomwebOrigin(), junk).toBeNull();
    }
  });

  it('asks the dialog to reopen once after a reload to connect', async () => {
    const { mod } = await start({});
    vi.stubGlobal('location', { origin: 'https://pseudolab.hospital.org', reload: vi.fn() });
    mod.reloadToConnect('https://pacs.hospital.org/dicom-web');
    expect(location.reload).toHaveBeenCalledOnce();
    expect(mod.rememberedDicomwebUrl()).toBe('https://pacs.hospital.org/dicom-web');
    expect(mod.takeReopenRequest()).toBe(true);
    expect(mod.takeReopenRequest()).toBe(false);
  });
});
