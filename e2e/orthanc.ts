import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A real PACS for the DICOMweb tests: Debian's Orthanc with its DICOMweb plugin, started on a loopback port with a
 * throw-away storage folder, loaded with the shared DICOM series through its REST API, and a small CORS proxy in
 * front of it. Orthanc sends no CORS headers, and a browser refuses a cross-origin answer without them; a hospital
 * puts a reverse proxy (nginx, Apache) in front of its PACS for this, and the proxy here does exactly that job and
 * nothing more: it answers preflights and adds Access-Control-Allow-Origin for the one app origin it is told.
 * Used by e2e/dicomweb.spec.ts and src/io/dicomweb/*.node.test.ts.
 */

export const ORTHANC_BIN = process.env.PSEUDOLAB_ORTHANC ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.PSEUDOLAB_ORTHANC_DICOMWEB ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
/** The shared series, from the repository root (a fresh clone has no ../shared). */
export const SHARED_SERIES = ['../shared/datasets/dicom/mr-brain-t1post', '../shared/datasets/dicom/hippocrop-series'];

/** Why the DICOMweb tests cannot run here, or null when they can. */
export function orthancUnavailable(): string | null {
  if (!existsSync(ORTHANC_BIN)) return `Orthanc is not installed (${ORTHANC_BIN}; Debian: apt-get install orthanc orthanc-dicomweb)`;
  if (!existsSync(DICOMWEB_PLUGIN)) return `Orthanc's DICOMweb plugin is not installed (${DICOMWEB_PLUGIN}; Debian: apt-get install orthanc-dicomweb)`;
  const missing = SHARED_SERIES.filter((d) => !existsSync(d));
  if (missing.length > 0) return `the shared DICOM series are absent (${missing.join(', ')})`;
  return null;
}

export interface RunningOrthanc {
  /** Orthanc's own REST root, e.g. http://127.0.0.1:8123 (no CORS: for Node callers). */
  restUrl: string;
  /** DICOMweb root behind the CORS proxy, what a browser user types: http://127.0.0.1:PORT/dicom-web */
  dicomWebUrl: string;
  /** Orthanc's DICOMweb root without the proxy: a browser request there fails for want of CORS. */
  directDicomWebUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited with ${child.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Orthanc did not answer at ${url} within 30 s:\n${log()}`);
}

/**
 * The reverse proxy's one job: forward to Orthanc, answer preflights, and add CORS headers for `allowOrigin` only.
 * Multipart Accept headers (WADO-RS) and STOW's multipart/related body are not CORS-safelisted, so every such
 * request is preceded by an OPTIONS preflight the proxy must answer.
 */
function startCorsProxy(target: number, allowOrigin: string, latencyMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (latencyMs > 0 && req.method !== 'OPTIONS') {
      req.pause();
      setTimeout(() => forward(req, res), latencyMs);
    } else forward(req, res);
  });
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const cors = {
      'Access-Control-Allow-Origin': allowOrigin,
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Accept, Content-Type',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    const headers = { ...req.headers, host: `127.0.0.1:${target}` };
    delete headers.origin;
    const upstream = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, { ...up.headers, ...cors });
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      res.writeHead(502, cors);
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(upstream);
    req.resume();
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Every file of the shared series, uploaded through Orthanc's REST API (POST /instances). */
async function upload(restUrl: string, folders: readonly string[]): Promise<number> {
  let n = 0;
  for (const dir of folders) {
    for (const f of readdirSync(dir).sort()) {
      const r = await fetch(`${restUrl}/instances`, { method: 'POST', body: readFileSync(join(dir, f)) });
      if (!r.ok) throw new Error(`Orthanc refused ${join(dir, f)}: ${r.status} ${await r.text()}`);
      n++;
    }
  }
  return n;
}

/**
 * Starts Orthanc with DICOMweb on free loopback ports, uploads `series` (default: the shared series), and a CORS
 * proxy for `appOrigin`. Call stop() when done: it ends Orthanc and removes its storage.
 */
export async function startOrthanc(opts: {
  appOrigin: string;
  series?: readonly string[];
  /** Delay before the proxy forwards each request, as a distant PACS answers: makes a load long enough to watch. */
  latencyMs?: number;
}): Promise<RunningOrthanc> {
  const dir = mkdtempSync(join(tmpdir(), 'pseudolab-orthanc-'));
  const httpPort = await freePort();
  const config = {
    Name: 'PseudolabTest',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: httpPort,
    // No DICOM (DIMSE) listener: the tests speak DICOMweb only, and a fixed port 4242 could clash.
    DicomServerEnabled: false,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpDescribeErrors: true,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC_BIN, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const restUrl = `http://127.0.0.1:${httpPort}`;
  let proxy: Server | null = null;
  const stop = async (): Promise<void> => {
    if (proxy) await new Promise<void>((r) => proxy!.close(() => r()));
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(`${restUrl}/system`, child, () => log);
    await upload(restUrl, opts.series ?? SHARED_SERIES);
    proxy = await startCorsProxy(httpPort, opts.appOrigin, opts.latencyMs ?? 0);
    const proxyPort = (proxy.address() as { port: number }).port;
    return {
      restUrl,
      dicomWebUrl: `http://127.0.0.1:${proxyPort}/dicom-web`,
      directDicomWebUrl: `${restUrl}/dicom-web`,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * By hand: `npx tsx e2e/orthanc.ts [app origin]` starts the same Orthanc and proxy (default origin: the dev
 * server's, http://127.0.0.1:5173) and prints the address to name in "Open from server"; Ctrl+C stops both.
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const why = orthancUnavailable();
  if (why) {
    console.error(`Cannot start: ${why}`);
    process.exit(1);
  }
  const running = await startOrthanc({ appOrigin: process.argv[2] ?? 'http://127.0.0.1:5173' });
  console.log(`Orthanc REST: ${running.restUrl}\nDICOMweb through the CORS proxy (name this in the app): ${running.dicomWebUrl}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void running.stop().then(() => process.exit(0)));
}
