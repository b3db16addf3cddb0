import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { allowedDicomwebOrigin, reloadToConnect, rememberDicomwebUrl, rememberedDicomwebUrl, takeReopenRequest } from '../app/dicomwebConnectPolicy.ts';
import { openDicomwebSeriesCommand, storeSegCommand, storeSegUnavailableReason, type CommandOutcome } from '../app/dicomwebCommands.ts';
import { parseDicomwebUrl } from '../io/dicomweb/dicomwebErrors.ts';
import { connectDicomweb, DicomwebError, type DicomwebServer } from '../io/dicomweb/dicomwebServer.ts';
import type { SeriesSummary, StudySummary } from '../io/dicomweb/qidoMapping.ts';
import { appStore, useApp } from '../store/appStore.ts';
import './dicomweb.css';

/**
 * "Open from DICOMweb server": name a server, browse its studies and series (QIDO-RS), open a series (WADO-RS),
 * and store the active volume's labels back as a DICOM SEG (STOW-RS). The page may reach only the server named when
 * it started (app/dicomwebConnectPolicy.ts), so naming a different one offers a reload instead of a request that
 * the policy would block.
 */

/** Read once per page: after a "Reload and connect" the dialog opens again by itself. */
export const DICOMWEB_REOPEN_AT_START = takeReopenRequest();

type Status = { kind: 'idle' } | { kind: 'busy'; what: string } | { kind: 'error'; text: string; detail?: string };

function describeError(e: unknown): Status {
  if (e instanceof DicomwebError) return { kind: 'error', text: e.message, detail: e.detail };
  return { kind: 'error', text: (e as Error).message ?? String(e) };
}

/** Whether this page may connect to `origin`: its own, or the one server its policy admitted at start. */
function reachable(origin: string): boolean {
  return origin === location.origin || origin === allowedDicomwebOrigin();
}

export function DicomWebDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [url, setUrl] = useState(rememberedDicomwebUrl);
  const [server, setServer] = useState<DicomwebServer | null>(null);
  const [needsReload, setNeedsReload] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [studies, setStudies] = useState<StudySummary[] | null>(null);
  const [study, setStudy] = useState<StudySummary | null>(null);
  const [series, setSeries] = useState<SeriesSummary[] | null>(null);
  const [storeResult, setStoreResult] = useState<CommandOutcome | null>(null);
  const progress = useApp((s) => s.progress);
  // A save under way or about to start is waited for; one waiting on something else (a read-only tab) is not.
  const saveKind = useApp((s) => (s.save.kind === 'pending' && s.save.reason ? 'blocked' : s.save.kind));
  const activeName = useApp((s) => (s.activeVolumeId ? (s.volumes[s.activeVolumeId]?.volume.name ?? null) : null));
  const labelsVersion = useApp((s) => (s.activeVolumeId ? (s.volumes[s.activeVolumeId]?.labelsVersion ?? 0) : 0));
  // Recomputed when the active volume or its labels change: the check scans the label buffer.
  const storeBlocked = useMemo(() => storeSegUnavailableReason(appStore), [activeName, labelsVersion]);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const loadSeries = useCallback(async (srv: DicomwebServer, s: StudySummary) => {
    setStudy(s);
    setSeries(null);
    setStatus({ kind: 'busy', what: 'Listing series…' });
    try {
      setSeries(await srv.listSeries(s.studyInstanceUID));
      setStatus({ kind: 'idle' });
    } catch (e) {
      setStatus(describeError(e));
    }
  }, []);

  const connect = useCallback(async (typed: string) => {
    const parsed = parseDicomwebUrl(typed);
    setNeedsReload(null);
    setStoreResult(null);
    if ('error' in parsed) {
      setStatus({ kind: 'error', text: parsed.error });
      return;
    }
    if (!reachable(parsed.origin)) {
      setServer(null);
      setStudies(null);
      setNeedsReload(parsed.url);
      setStatus({ kind: 'idle' });
      return;
    }
    rememberDicomwebUrl(parsed.url);
    const srv = connectDicomweb(parsed.url);
    setServer(srv);
    setStudies(null);
    setStudy(null);
    setSeries(null);
    setStatus({ kind: 'busy', what: 'Listing studies…' });
    try {
      const list = await srv.listStudies();
      setStudies(list);
      setStatus({ kind: 'idle' });
    } catch (e) {
      setStatus(describeError(e));
    }
  }, []);

  // A remembered server the page may reach is listed at once: the dialog reopens where the user left it.
  useEffect(() => {
    const remembered = rememberedDicomwebUrl();
    const parsed = parseDicomwebUrl(remembered);
    if ('origin' in parsed && reachable(parsed.origin)) void connect(remembered);
  }, []);

  const open = async (s: SeriesSummary): Promise<void> => {
    if (!server || !study) return;
    setStatus({ kind: 'busy', what: `Opening ${s.description || 'series'}…` });
    const outcome = await openDicomwebSeriesCommand(appStore, server, study.studyInstanceUID, s);
    if (outcome.ok) onClose();
    else setStatus({ kind: 'error', text: outcome.text, detail: outcome.detail });
  };

  const storeSeg = async (): Promise<void> => {
    if (!server) return;
    setStoreResult(null);
    setStatus({ kind: 'busy', what: 'Storing DICOM SEG…' });
    const outcome = await storeSegCommand(appStore, server);
    setStoreResult(outcome);
    setStatus({ kind: 'idle' });
    // The new SEG series belongs in the lists: show it where the user will look for it.
    if (outcome.ok) {
      try {
        setStudies(await server.listStudies());
      } catch {
        // The store succeeded; a failed refresh is not worth an error over that result.
      }
      if (study) await loadSeries(server, study);
    }
  };

  const busy = status.kind === 'busy';
  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;

  return (
    <dialog
      ref={ref}
      className="dialog dicomweb-dialog"
      data-testid="dicomweb-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2>Open from DICOMweb server</h2>
      <form
        className="dicomweb-connect"
        onSubmit={(e) => {
          e.preventDefault();
          void connect(url);
        }}
      >
        <label htmlFor="dicomweb-url">Server address</label>
        <input
          id="dicomweb-url"
          data-testid="dicomweb-url"
          type="url"
          value={url}
          placeholder="https://pacs.example.org/dicom-web"
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => setUrl(e.currentTarget.value)}
        />
        <button type="submit" className="primary" data-testid="dicomweb-connect" disabled={busy}>
          Connect
        </button>
      </form>
      <p className="dicomweb-note">
        Pseudolab talks to this one server and nothing else: studies are listed and series loaded from it, and labels are stored back to it only when you press
        Store.
      </p>
      {needsReload && (
        <div className="dicomweb-reload" data-testid="dicomweb-reload-note">
          <p>
            For your safety this page may connect to one server only, fixed when the page starts. Reload to allow <b>{new URL(needsReload).origin}</b> instead
            {allowedDicomwebOrigin() ? ` of ${allowedDicomwebOrigin()}` : ''}?{' '}
            {saveKind === 'saving' || saveKind === 'pending'
              ? 'Your latest changes are being saved; the reload waits until they are.'
              : saveKind === 'error'
                ? 'Your latest changes could not be saved (see the save status); a reload would lose them.'
                : 'Your work is saved in this browser and comes back after the reload.'}
          </p>
          <button
            className={saveKind === 'error' ? 'danger' : 'primary'}
            data-testid="dicomweb-reload"
            disabled={saveKind === 'saving' || saveKind === 'pending'}
            onClick={() => reloadToConnect(needsReload)}
          >
            {saveKind === 'error' ? 'Reload anyway' : 'Reload and connect'}
          </button>
        </div>
      )}
      {status.kind === 'error' && (
        <div className="dicomweb-error" role="alert" data-testid="dicomweb-error">
          {status.text}
          {status.detail && <div className="dicomweb-detail">{status.detail}</div>}
        </div>
      )}
      {status.kind === 'busy' && (
        <p className="dicomweb-busy" data-testid="dicomweb-busy">
          {status.what}
        </p>
      )}
      {progress && busy && (
        <div className="progress" role="progressbar" aria-valuenow={pct} aria-label={progress.label} data-testid="dicomweb-progress">
          <div className="progress-fill" style={{ width: `${pct}%` }} />
          <span className="progress-label">
            {progress.label} — {progress.done}/{progress.total}
          </span>
        </div>
      )}
      {studies && (
        <section>
          <h3>Studies ({studies.length})</h3>
          {studies.length === 0 ? (
            <p>The server holds no studies.</p>
          ) : (
            <div className="dicomweb-table-wrap">
              <table className="dicomweb-table" data-testid="dicomweb-studies">
                <thead>
                  <tr>
                    <th>Patient</th>
                    <th>Date</th>
                    <th>Description</th>
                    <th>Modality</th>
                    <th>Series</th>
                  </tr>
                </thead>
                <tbody>
                  {studies.map((s) => (
                    <tr
                      key={s.studyInstanceUID}
                      data-testid="dicomweb-study"
                      aria-selected={study?.studyInstanceUID === s.studyInstanceUID}
                      tabIndex={0}
                      onClick={() => server && void loadSeries(server, s)}
                      onKeyDown={(e) => {
                        if ((e.key === 'Enter' || e.key === ' ') && server) {
                          e.preventDefault();
                          void loadSeries(server, s);
                        }
                      }}
                    >
                      <td>
                        {s.patientName || '—'}
                        {s.patientId && <span className="dicomweb-muted"> {s.patientId}</span>}
                      </td>
                      <td>{s.date || '—'}</td>
                      <td>{s.description || '—'}</td>
                      <td data-testid="dicomweb-study-modalities">{s.modalities.join(', ') || '—'}</td>
                      <td>{s.seriesCount ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {study && series && (
        <section>
          <h3>Series of {study.description || study.patientName || 'the study'}</h3>
          <table className="dicomweb-table" data-testid="dicomweb-series">
            <thead>
              <tr>
                <th>#</th>
                <th>Modality</th>
                <th>Description</th>
                <th>Instances</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {series.map((s) => (
                <tr key={s.seriesInstanceUID} data-testid="dicomweb-series-row" data-modality={s.modality}>
                  <td>{s.seriesNumber ?? ''}</td>
                  <td>{s.modality || '—'}</td>
                  <td>{s.description || '—'}</td>
                  <td>{s.instanceCount ?? '—'}</td>
                  <td>
                    <button data-testid="dicomweb-open" disabled={busy} onClick={() => void open(s)}>
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {server && (
        <section className="dicomweb-store">
          <h3>Store labels</h3>
          <p className="dicomweb-muted">{storeBlocked ?? `The labels of ${activeName} become a DICOM SEG series in its study on this server.`}</p>
          <button data-testid="dicomweb-store-seg" disabled={busy || storeBlocked !== null} onClick={() => void storeSeg()}>
            Store SEG to server
          </button>
          {storeResult && (
            <p className={storeResult.ok ? 'dicomweb-ok' : 'dicomweb-error'} role="status" data-testid="dicomweb-store-result">
              {storeResult.text}
            </p>
          )}
        </section>
      )}
      <div className="dialog-buttons">
        <button data-testid="dicomweb-close" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
