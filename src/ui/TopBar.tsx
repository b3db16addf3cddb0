import { useRef, useState } from 'react';
import { fromFile } from '../app/browserFiles.ts';
import { exportActiveLabelsCommand, exportAllLabelsCommand, importLabelsCommand, openFilesCommand } from '../app/commands.ts';
import { importPredictionsCommand } from '../app/importPredictions.ts';
import { exportNnunetCommand } from '../app/nnunetExport.ts';
import { activeDicomSegBlocker, exportDicomSegCommand } from '../app/segCommands.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { canRedo, canUndo } from '../store/selectors.ts';
import { DICOMWEB_REOPEN_AT_START, DicomWebDialog } from './DicomWebDialog.tsx';
import { SaveStatus } from './SaveStatus.tsx';

/** Opens the hidden file input that carries the stable test hook; Ctrl+O calls the same. */
export function openFilePicker(): void {
  document.querySelector<HTMLInputElement>('[data-testid="open-files"]')?.click();
}

export function TopBar({ onHelp, onGuide, guideShown }: { onHelp: () => void; onGuide: () => void; guideShown: boolean }) {
  const undoable = useApp(canUndo);
  const redoable = useApp(canRedo);
  const hasVolume = useApp((s) => s.activeVolumeId !== null);
  const volumeCount = useApp((s) => s.volumeOrder.length);
  const undo = useApp((s) => s.undo);
  const redo = useApp((s) => s.redo);
  const folderRef = useRef<HTMLInputElement>(null);
  const importRef = useRef<HTMLInputElement>(null);
  const predictionsRef = useRef<HTMLInputElement>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const segBlocker = useApp(activeDicomSegBlocker);
  const [nnunetPseudoLabels, setNnunetPseudoLabels] = useState(true);
  const [nnunetId, setNnunetId] = useState(500);
  const [nnunetName, setNnunetName] = useState('Pseudolab');
  const [serverOpen, setServerOpen] = useState(DICOMWEB_REOPEN_AT_START);

  const openList = (list: FileList | null): void => {
    if (!list || list.length === 0) return;
    void openFilesCommand(
      appStore,
      [...list].map((f) => fromFile(f)),
    );
  };

  return (
    <header className="topbar">
      <div className="brand" title="Pseudolab: label a few slices, train on your own GPU. Your data never leaves this machine.">
        <img src="./favicon.svg" alt="" width={22} height={22} />
        <span>Pseudolab</span>
      </div>
      <div className="toolbar-group">
        <button onClick={openFilePicker} title="Open NIfTI, DICOM, PNG or JPEG files, and a CSV of image descriptions (Ctrl+O)">
          Open files
        </button>
        <input
          type="file"
          multiple
          hidden
          data-testid="open-files"
          accept=".nii,.gz,.dcm,.png,.jpg,.jpeg,.json,.csv,text/csv,application/dicom,image/*"
          onChange={(e) => {
            openList(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
        <button
          onClick={() => folderRef.current?.click()}
          title="Open a folder: a DICOM series, a Medical Segmentation Decathlon dataset, or a MoNuSeg folder (img/, labelcol/ and a CSV of descriptions)"
        >
          Open folder
        </button>
        <button
          data-testid="open-dicomweb"
          onClick={() => setServerOpen(true)}
          title="Browse a PACS or other DICOMweb server, open a series from it, and store labels back as DICOM SEG"
        >
          Open from server
        </button>
        {serverOpen && <DicomWebDialog onClose={() => setServerOpen(false)} />}
        <input
          ref={folderRef}
          type="file"
          hidden
          data-testid="open-folder"
          {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
          onChange={(e) => {
            openList(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </div>
      <div className="toolbar-group">
        <button data-testid="undo" disabled={!undoable} onClick={() => undo()} title="Undo the last edit on this volume (Ctrl+Z)">
          ↶ Undo
        </button>
        <button data-testid="redo" disabled={!redoable} onClick={() => redo()} title="Redo (Ctrl+Shift+Z or Ctrl+Y)">
          ↷ Redo
        </button>
      </div>
      <div className="toolbar-group">
        <button
          disabled={!hasVolume}
          onClick={() => importRef.current?.click()}
          title="Import a label file (NIfTI or PNG mask) onto the active volume, sizes must match; or a DICOM SEG onto its series"
        >
          Import labels
        </button>
        <input
          ref={importRef}
          type="file"
          hidden
          data-testid="import-labels"
          accept=".nii,.gz,.png,.dcm"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void importLabelsCommand(appStore, fromFile(f));
            e.currentTarget.value = '';
          }}
        />
        <button
          disabled={!hasVolume}
          onClick={() => predictionsRef.current?.click()}
          title="Import predictions made elsewhere (nnU-Net's output folder with its dataset.json, NIfTI label maps, DICOM SEG) as the pseudo-label layer, matched to open volumes by case name and grid; review them slice by slice"
        >
          Import predictions
        </button>
        <input
          ref={predictionsRef}
          type="file"
          multiple
          hidden
          data-testid="import-predictions"
          accept=".nii,.gz,.dcm,.json,application/dicom"
          onChange={(e) => {
            const list = e.currentTarget.files;
            if (list?.length)
              void importPredictionsCommand(
                appStore,
                [...list].map((f) => fromFile(f)),
              );
            e.currentTarget.value = '';
          }}
        />
        <div className="menu-anchor">
          <button
            data-testid="export-labels"
            disabled={!hasVolume}
            aria-haspopup="menu"
            aria-expanded={exportOpen}
            onClick={() => setExportOpen((o) => !o)}
            title="Export labels as NIfTI (.nii.gz) with the image's exact geometry, plus class names as JSON (Ctrl+E: active volume)"
          >
            Export labels ▾
          </button>
          {exportOpen && (
            <div className="menu" role="menu" onMouseLeave={() => setExportOpen(false)}>
              <button
                role="menuitem"
                data-testid="export-active"
                onClick={() => {
                  setExportOpen(false);
                  exportActiveLabelsCommand(appStore);
                }}
              >
                Active volume (.nii.gz + .json)
              </button>
              <button
                role="menuitem"
                data-testid="export-all"
                onClick={() => {
                  setExportOpen(false);
                  void exportAllLabelsCommand(appStore);
                }}
              >
                All {volumeCount} volumes (.zip)
              </button>
              <button
                role="menuitem"
                data-testid="export-dicom-seg"
                disabled={segBlocker !== null}
                title={
                  segBlocker ??
                  "The active series' labels as a DICOM Segmentation in its study: one segment per class (painted MANUAL, accepted pseudo-labels SEMIAUTOMATIC), frames on the source slices"
                }
                onClick={() => {
                  setExportOpen(false);
                  exportDicomSegCommand(appStore);
                }}
              >
                DICOM SEG (.dcm)
              </button>
              <button
                role="menuitem"
                data-testid="export-nnunet"
                title="All volumes as an nnU-Net v2 dataset (imagesTr, labelsTr, dataset.json) for training on a cluster; voxels outside labeled slices get nnU-Net's ignore label, unlabeled volumes go to imagesTs"
                onClick={() => {
                  setExportOpen(false);
                  void exportNnunetCommand(appStore, { datasetId: nnunetId, datasetName: nnunetName, includePseudoLabels: nnunetPseudoLabels });
                }}
              >
                nnU-Net dataset (.zip)
              </button>
              <label
                className="menu-option"
                title="Count slices whose pseudo-label you accepted as labeled in the nnU-Net dataset (you reviewed them); off keeps painted and imported slices only"
              >
                <input
                  type="checkbox"
                  data-testid="export-nnunet-pseudo"
                  checked={nnunetPseudoLabels}
                  onChange={(e) => setNnunetPseudoLabels(e.currentTarget.checked)}
                />
                with accepted pseudo-labels
              </label>
              <label className="menu-option" title="nnU-Net's dataset number (1–999) and name: the folder becomes Dataset<number>_<name>">
                Dataset
                <input
                  type="number"
                  className="menu-number"
                  data-testid="export-nnunet-id"
                  min={1}
                  max={999}
                  value={nnunetId}
                  onChange={(e) => setNnunetId(Math.min(999, Math.max(1, Math.round(Number(e.currentTarget.value)) || 1)))}
                />
                <input
                  type="text"
                  className="menu-text"
                  data-testid="export-nnunet-name"
                  value={nnunetName}
                  spellCheck={false}
                  onChange={(e) => setNnunetName(e.currentTarget.value)}
                />
              </label>
            </div>
          )}
        </div>
      </div>
      <div className="spacer" />
      <SaveStatus />
      <button
        data-testid="guide-toggle"
        aria-pressed={guideShown}
        onClick={onGuide}
        title={guideShown ? 'Hide the getting-started guide' : 'Show the getting-started guide: open files, pick a class, paint, Start, review'}
      >
        Guide
      </button>
      <button className="icon-button" onClick={onHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
        ?
      </button>
    </header>
  );
}
