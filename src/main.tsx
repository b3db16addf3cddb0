// First, before any other module runs: connections narrowed to this origin and the named DICOMweb server.
import './app/dicomwebConnectPolicy.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bootstrap } from './app/bootstrap.ts';
import { appStore } from './store/appStore.ts';
import { App } from './ui/App.tsx';
import './ui/styles.css';

const session = bootstrap(appStore);

// Browser journeys read state through this handle; it is read-only use, the UI stays the way to change things.
declare global {
  interface Window {
    __pseudolab?: { store: typeof appStore; session: typeof session };
  }
}
window.__pseudolab = { store: appStore, session };

void session.finally(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
