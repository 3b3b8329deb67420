import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from './api';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';
import { describeError, setApiClient } from './api/backend';
import { openInitialFile, startup } from './files/file-actions';
import { useStore } from './store/store';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
const root = createRoot(container);

function render(): void {
  root.render(
    <StrictMode>
      <ErrorBoundary>
        <App />
      </ErrorBoundary>
    </StrictMode>,
  );
}

async function boot(): Promise<void> {
  try {
    setApiClient(await connectApi());
  } catch (err) {
    // Still let the user draw: saving will say what is wrong, and the message says how to fix it.
    render();
    const data = (err as { data?: { message: string; hint: string } }).data;
    useStore
      .getState()
      .notify('error', data ? `${data.message} ${data.hint}` : `Cannot reach the backend: ${describeError(err)}`);
    return;
  }
  render();
  await startup();
  await openInitialFile();
}

void boot();
