import { useState, type ReactNode } from 'react';
import { autoLayout, runCommand } from './actions';
import { deployBlocker, startReview } from '../deploy/deploy-actions';
import { documentTitle, newFromMesh, newFromTextbook, openDocument } from '../files/file-actions';
import { selectDirty, useStore } from '../store/store';
import { HealthToggle } from '../health/HealthToggle';
import { ImportDialogs, ImportItems } from '../files/ImportDialogs';

function Menu({ label, testId, children }: { label: string; testId: string; children: (close: () => void) => ReactNode }) {
  const [open, setOpen] = useState(false);
  const close = (): void => setOpen(false);
  return (
    <div className="menu" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && close()}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid={testId}>
        {label} ▾
      </button>
      {open && (
        <div className="menu-list" role="menu">
          {children(close)}
        </div>
      )}
    </div>
  );
}

function Item({ onClick, children, close }: { onClick: () => void; children: ReactNode; close: () => void }) {
  return (
    <button
      type="button"
      role="menuitem"
      onClick={() => {
        close();
        onClick();
      }}
    >
      {children}
    </button>
  );
}

/** Deploy / Destroy; why they cannot run now is their tooltip (and shown on the canvas, see DeployStatus). */
function DeployGroup() {
  const deployBlocked = useStore((s) => deployBlocker(s, 'apply'));
  const destroyBlocked = useStore((s) => deployBlocker(s, 'destroy'));
  return (
    <div className="group deploy-group">
      <button
        type="button"
        className="deploy-button"
        onClick={() => void startReview('apply')}
        disabled={deployBlocked !== null}
        title={deployBlocked ?? 'Review what will change on each host, then apply'}
        data-testid="deploy"
      >
        Deploy
      </button>
      <button
        type="button"
        onClick={() => void startReview('destroy')}
        disabled={destroyBlocked !== null}
        title={destroyBlocked ?? 'Review and remove everything this topology created on its hosts'}
        data-testid="destroy"
      >
        Destroy
      </button>
    </div>
  );
}

export function Toolbar() {
  const title = useStore((s) => documentTitle(s.filePath, s.topology.name, selectDirty(s)));
  // A refused field value is undoable too (Undo drops it first).
  const canUndo = useStore((s) => s.past.length > 0 || Object.keys(s.fieldErrors).length > 0);
  const canRedo = useStore((s) => s.future.length > 0);
  const hasSelection = useStore((s) => s.selectedNodeIds.length + s.selectedEdgeIds.length > 0);
  const recent = useStore((s) => s.recent);
  const minimap = useStore((s) => s.minimap);
  return (
    <header className="toolbar">
      <div className="brand" aria-hidden>
        <span className="logo">VX</span>
      </div>
      <h1 className="doc-title" data-testid="doc-title">
        {title}
      </h1>
      <div className="toolbar-groups">
        <div className="group">
          <button type="button" onClick={() => runCommand('file.new')} title="New drawing (Ctrl+Alt+N)">
            New
          </button>
          <Menu label="Templates" testId="templates-menu">
            {(close) => (
              <>
                <Item close={close} onClick={() => void newFromTextbook()}>
                  Two hosts (textbook)
                </Item>
                <Item close={close} onClick={() => void newFromMesh()}>
                  N-host mesh…
                </Item>
                <ImportItems close={close} />
              </>
            )}
          </Menu>
          <button type="button" onClick={() => runCommand('file.open')} title="Open (Ctrl+O)" data-testid="open">
            Open…
          </button>
          <Menu label="Recent" testId="recent-menu">
            {(close) =>
              recent.length === 0 ? (
                <div className="menu-empty">No recent files</div>
              ) : (
                recent.map((p) => (
                  <Item key={p} close={close} onClick={() => void openDocument(p)}>
                    <span className="mono">{p}</span>
                  </Item>
                ))
              )
            }
          </Menu>
          <button type="button" onClick={() => runCommand('file.save')} title="Save (Ctrl+S)" data-testid="save">
            Save
          </button>
          <button type="button" onClick={() => runCommand('file.saveAs')} title="Save as (Ctrl+Shift+S)" data-testid="save-as">
            Save As…
          </button>
        </div>
        <div className="group">
          <button
            type="button"
            onClick={() => runCommand('edit.undo')}
            disabled={!canUndo}
            title="Undo (Ctrl+Z)"
            data-testid="undo"
          >
            Undo
          </button>
          <button
            type="button"
            onClick={() => runCommand('edit.redo')}
            disabled={!canRedo}
            title="Redo (Ctrl+Shift+Z)"
            data-testid="redo"
          >
            Redo
          </button>
          <button type="button" onClick={() => runCommand('edit.delete')} disabled={!hasSelection} title="Delete (Del)">
            Delete
          </button>
        </div>
        <div className="group">
          <button type="button" onClick={() => void autoLayout()} title="Auto-layout (Shift+L)" data-testid="auto-layout">
            Auto-layout
          </button>
          <button type="button" onClick={() => runCommand('view.fit')} title="Fit view (Shift+F)">
            Fit
          </button>
          <button type="button" aria-pressed={minimap} onClick={() => runCommand('view.toggleMinimap')}>
            Minimap
          </button>
        </div>
        <DeployGroup />
        <HealthToggle />
      </div>
      <ImportDialogs />
    </header>
  );
}
