import { useEffect, useState } from 'react';
import { filesFromDrop } from '../app/browserFiles.ts';
import { exportActiveLabelsCommand, openFilesCommand } from '../app/commands.ts';
import { trainingController } from '../app/training.ts';
import { appStore } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { ClassPanel } from './ClassPanel.tsx';
import { DescriptionSection } from './DescriptionSection.tsx';
import { Guide } from './Guide.tsx';
import { guideDismissed, rememberGuideDismissed } from './guideState.ts';
import { LayersPanel } from './LayersPanel.tsx';
import { Messages } from './Messages.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { isTypingTarget, resolveShortcut, type Command } from './shortcuts.ts';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';
import { StatusBar } from './StatusBar.tsx';
import { ACROSS_SLICES, ToolPanel } from './ToolPanel.tsx';
import { TrainingPanel } from './TrainingPanel.tsx';
import { openFilePicker, TopBar } from './TopBar.tsx';
import { toggleViewFrame, useViewerUi } from './viewerState.ts';
import { ViewerPane } from './ViewerPane.tsx';
import { VolumeList } from './VolumeList.tsx';

function run(cmd: Command, showHelp: () => void): void {
  const s = appStore.getState();
  const viewer = useViewerUi.getState();
  switch (cmd.kind) {
    case 'tool':
      return s.setTool(cmd.tool);
    case 'undo':
      s.undo();
      return;
    case 'redo':
      s.redo();
      return;
    case 'brushSize':
      return s.setBrushSize(Math.round(s.tools.brushSizeMm * cmd.factor * 2) / 2);
    case 'toggleSliceLabeled': {
      const entry = activeEntry(s);
      const slice = viewer.slices[viewer.activeView];
      // Across the grid the index is only the nearest slice: say why instead of marking it.
      if (slice && !slice.aligned) {
        if (!s.messages.some((m) => m.text === ACROSS_SLICES)) s.pushMessage({ severity: 'warning', subject: 'Slice labeled', text: ACROSS_SLICES });
        return;
      }
      if (entry && slice) s.toggleSliceLabeled(entry.volume.id, slice.axis, slice.index);
      return;
    }
    case 'selectClass': {
      const c = s.classes[cmd.position];
      if (c) s.setActiveClass(c.value);
      return;
    }
    case 'toggleOutline':
      return s.setLabelOutline(!s.tools.labelOutline);
    case 'toggleLabels':
      return s.setLabelsVisible(!s.tools.labelsVisible);
    case 'opacity':
      return s.setLabelOpacity(Math.round((s.tools.labelOpacity + cmd.delta) * 20) / 20);
    case 'slice':
      viewer.controller?.scroll(viewer.activeView, cmd.delta);
      return;
    case 'resetView':
      viewer.controller?.resetView();
      return;
    case 'toggleViewFrame':
      return toggleViewFrame();
    case 'open':
      return openFilePicker();
    case 'export':
      return exportActiveLabelsCommand(appStore);
    case 'help':
      return showHelp();
    case 'acceptSlice':
      trainingController()?.acceptSlice();
      return;
    case 'rejectSlice':
      trainingController()?.rejectSlice();
      return;
    case 'nextUncertain': {
      const k = trainingController()?.nextUncertainSlice();
      if (k !== null && k !== undefined) viewer.controller?.jumpToVoxelSlice(2, k);
      return;
    }
    case 'toggleLayer':
      return s.toggleLayer(cmd.layer);
    case 'confidence':
      return s.setConfidenceThreshold(Math.round((s.layers.confidenceThreshold + cmd.delta) * 20) / 20);
  }
}

/**
 * A new run's status next to the last run's errors read as if the new run had failed: when a run starts, the last
 * run's training errors and warnings go (messageList.withoutTopic keeps the new run's own notes).
 */
function useClearTrainingMessagesOnStart(): void {
  useEffect(
    () =>
      appStore.subscribe((s, prev) => {
        if (s.training.status === 'starting' && prev.training.status !== 'starting') s.clearMessageTopic('training', Date.now());
      }),
    [],
  );
}

export function App() {
  const [help, setHelp] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [guide, setGuide] = useState(() => !guideDismissed());
  const showGuide = (): void => {
    rememberGuideDismissed(false);
    setGuide(true);
  };
  const hideGuide = (): void => {
    rememberGuideDismissed(true);
    setGuide(false);
  };
  useClearTrainingMessagesOnStart();

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTypingTarget(e.target) || document.querySelector('dialog[open]')) return;
      const cmd = resolveShortcut(e);
      if (!cmd) return;
      e.preventDefault();
      run(cmd, () => setHelp(true));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        if (![...e.dataTransfer.types].includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void filesFromDrop(e.dataTransfer).then((files) => openFilesCommand(appStore, files));
      }}
    >
      <TopBar onHelp={() => setHelp(true)} onGuide={() => (guide ? hideGuide() : showGuide())} guideShown={guide} />
      <ProgressBar />
      <div className="workspace">
        <aside className="sidebar left">
          <VolumeList />
          <ToolPanel />
          <LayersPanel />
        </aside>
        <main className="centre">
          {guide && <Guide onClose={hideGuide} />}
          <ViewerPane />
          <Messages />
        </main>
        <aside className="sidebar right">
          <DescriptionSection />
          <ClassPanel />
          <TrainingPanel />
        </aside>
      </div>
      <StatusBar />
      {dragging && <div className="drop-overlay">Drop NIfTI, DICOM, PNG/JPEG files, CSVs of image descriptions or folders to open them</div>}
      {help && (
        <ShortcutsHelp
          onClose={() => setHelp(false)}
          onShowGuide={() => {
            setHelp(false);
            showGuide();
          }}
        />
      )}
    </div>
  );
}
