import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { Canvas } from '../canvas/Canvas';
import { documentTitle, startAutosave } from '../files/file-actions';
import { BottomPanel } from './BottomPanel';
import { Inspector } from '../editor/Inspector';
import { Palette } from '../editor/Palette';
import { selectDirty, useStore } from '../store/store';
import { runCommand, shortcutFor } from './actions';
import { DeployReview } from '../deploy/DeployReview';
import { ConfirmCountdown } from '../deploy/ConfirmWindow';
import { DialogHost } from './DialogHost';
import { CredentialModal } from '../deploy/CredentialModal';
import { HostKeyModal } from '../deploy/HostKeyModal';
import { FixDialog } from '../health/FixDialog';
import { watchHealth } from '../health/health-actions';
import { subscribeApiEvents } from './api-events';
import { Notices } from '../notices/Notices';
import { Toolbar } from './Toolbar';

export function App() {
  const title = useStore((s) => documentTitle(s.filePath, s.topology.name, selectDirty(s)));
  useEffect(() => {
    document.title = title;
  }, [title]);

  useEffect(() => startAutosave(), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const command = shortcutFor(e);
      if (command === null) return;
      e.preventDefault();
      runCommand(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => subscribeApiEvents(), []);
  useEffect(() => watchHealth(), []);

  // Leaving with unsaved changes asks first (the autosave still has them if the user insists).
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent): void => {
      if (selectDirty(useStore.getState())) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <div className="workspace">
          <Palette />
          <main className="center-column">
            <Canvas />
            <BottomPanel />
          </main>
          <Inspector />
        </div>
        <Notices />
        <DeployReview />
        <ConfirmCountdown />
        <DialogHost />
        <HostKeyModal />
        <CredentialModal />
        <FixDialog />
      </div>
    </ReactFlowProvider>
  );
}
