/**
 * Import in the toolbar's Templates menu: "Import from hosts…" draws what hosts already run (read over SSH,
 * changing nothing) and opens it as a new drawing after showing the import report; "Add hosts from
 * inventory…" places the hosts of an Ansible inventory on the canvas.
 */
import { useState, useSyncExternalStore } from 'react';
import type { ResponseOf } from '../../../shared/api/contract';
import { addTargetHosts } from '../../../shared/import';
import { parseTopologyText } from '../../../shared/model';
import { call, describeError } from '../api/backend';
import { Modal } from '../app/Modal';
import { useStore } from '../store/store';
import { openImportedDrawing } from './file-actions';
import styles from './ImportDialogs.module.css';

type Open = 'none' | 'hosts' | 'inventory';

/*
 * Which import dialog is open lives here, not in the menu: the toolbar's menu closes when an item
 * is picked, the dialog stays.
 */
let opened: Open = 'none';
const listeners = new Set<() => void>();
function setOpened(next: Open): void {
  opened = next;
  for (const l of listeners) l();
}
function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/**
 * The two entries for a toolbar menu (the toolbar has no room for a button of its own at 1440 px):
 * "Import from hosts…" and "Add hosts from inventory…".
 */
export function ImportItems({ close }: { close: () => void }) {
  const pick = (which: Open): void => {
    close();
    setOpened(which);
  };
  return (
    <>
      <button
        type="button"
        role="menuitem"
        className={styles.separated}
        onClick={() => pick('hosts')}
        data-testid="import-from-hosts"
      >
        Import from hosts…
      </button>
      <button type="button" role="menuitem" onClick={() => pick('inventory')} data-testid="add-from-inventory">
        Add hosts from inventory…
      </button>
    </>
  );
}

/** The open import dialog, if any (rendered once, beside the toolbar's menus). */
export function ImportDialogs() {
  const open = useSyncExternalStore(subscribe, () => opened);
  if (open === 'hosts') return <ImportHostsDialog onClose={() => setOpened('none')} />;
  if (open === 'inventory') return <InventoryDialog onClose={() => setOpened('none')} />;
  return null;
}

/** Login fields both dialogs share: the user and key for hosts that name none. */
function LoginFields(props: { user: string; identity: string; setUser: (v: string) => void; setIdentity: (v: string) => void }) {
  return (
    <div className={styles.row}>
      <label>
        SSH user
        <input value={props.user} onChange={(e) => props.setUser(e.target.value)} placeholder="root" data-testid="import-user" />
      </label>
      <label>
        Private key file
        <input
          value={props.identity}
          onChange={(e) => props.setIdentity(e.target.value)}
          placeholder="ssh-agent"
          data-testid="import-identity"
        />
      </label>
    </div>
  );
}

function logins(user: string, identity: string): { user?: string; identity?: string } {
  return {
    ...(user.trim() === '' ? {} : { user: user.trim() }),
    ...(identity.trim() === '' ? {} : { identity: identity.trim() }),
  };
}

type HostsResult = ResponseOf<'import.fromHosts'>;

function ImportHostsDialog({ onClose }: { onClose: () => void }) {
  const [targets, setTargets] = useState('');
  const [user, setUser] = useState('');
  const [identity, setIdentity] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<HostsResult | null>(null);

  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const lines = targets.split(/[\s,]+/).filter((l) => l !== '');
      if (lines.length === 0) throw new Error('Give at least one host: [USER@]HOST[:PORT], one per line.');
      setResult(await call('import.fromHosts', { targets: lines, ...logins(user, identity) }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const openDrawing = async (): Promise<void> => {
    const parsed = result?.topology == null ? undefined : parseTopologyText(result.topology);
    if (parsed?.ok !== true) return;
    if (await openImportedDrawing(parsed.topology)) {
      useStore
        .getState()
        .notify('info', `Imported ${parsed.topology.hosts.length} host(s) as "${parsed.topology.name}" (not saved yet).`);
      onClose();
    }
  };

  return (
    <Modal titleId="import-hosts-title" title="Import from hosts" testId="dialog-import-hosts" className="modal-wide">
      {result === null ? (
        <>
          <p>
            Reads the VXLAN devices, bridges, addresses and flood entries these hosts already have, over SSH, and changes nothing.
            One <span className="mono">[USER@]HOST[:PORT]</span> per line.
          </p>
          <textarea
            className={styles.text}
            rows={5}
            value={targets}
            onChange={(e) => setTargets(e.target.value)}
            placeholder={'192.168.1.10\nadmin@192.168.1.20:2222'}
            data-testid="import-targets"
            autoFocus
          />
          <LoginFields user={user} identity={identity} setUser={setUser} setIdentity={setIdentity} />
        </>
      ) : (
        <ImportReportView result={result} />
      )}
      {error !== null && (
        <p className={styles.error} role="alert" data-testid="import-error">
          {error}
        </p>
      )}
      <div className="modal-buttons">
        {result === null ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void run()} data-testid="import-run">
            {busy ? 'Reading hosts…' : 'Import'}
          </button>
        ) : (
          result.topology !== null && (
            <button type="button" className="primary" onClick={() => void openDrawing()} data-testid="import-open">
              Open drawing
            </button>
          )
        )}
        <button type="button" onClick={onClose} disabled={busy}>
          {result === null ? 'Cancel' : 'Close'}
        </button>
      </div>
    </Modal>
  );
}

/** What the import found and every warning, as the CLI prints it. */
function ImportReportView({ result }: { result: HostsResult }) {
  const r = result.report;
  return (
    <div className={styles.report} data-testid="import-report">
      {r !== null && (
        <>
          <p>
            {r.hosts.length} host(s), {r.segments.length} segment(s), drawing id <span className="mono">{r.topologyId}</span> (
            {r.idFrom === 'mark' ? "from the devices' mark" : 'new'}).
          </p>
          <ul data-testid="import-segments">
            {r.segments.map((s) => (
              <li key={s.id}>
                VNI {s.vni} (port {s.port}, {s.flood}): {s.members.join(', ')}
              </li>
            ))}
          </ul>
          {r.warnings.length === 0 ? (
            <p>No warnings: the drawing says everything the hosts have.</p>
          ) : (
            <ul className={styles.warnings} data-testid="import-warnings">
              {r.warnings.map((w, i) => (
                <li key={i}>
                  <span className="mono">{w.code}</span> {w.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {result.unreachable.length > 0 && (
        <ul className={styles.unreachable} data-testid="import-unreachable">
          {result.unreachable.map((u) => (
            <li key={u.name}>
              {u.name}: {u.error.message} ({u.error.code})
            </li>
          ))}
        </ul>
      )}
      {result.topology === null && <p>No host could be read, so there is no drawing to open.</p>}
    </div>
  );
}

function InventoryDialog({ onClose }: { onClose: () => void }) {
  const [path, setPath] = useState('');
  const [text, setText] = useState('');
  const [group, setGroup] = useState('');
  const [user, setUser] = useState('');
  const [identity, setIdentity] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nativeDialogs = useStore((s) => s.appInfo?.nativeDialogs === true);

  const browse = async (): Promise<void> => {
    try {
      const picked = await call('file.pickOpen', {});
      if (picked !== null) setPath(picked.path);
    } catch (err) {
      setError(describeError(err));
    }
  };
  const add = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const source = text.trim() !== '' ? { text } : path.trim() !== '' ? { path: path.trim() } : undefined;
      if (source === undefined) throw new Error('Give the inventory file, or paste it.');
      const { hosts } = await call('import.readInventory', {
        ...source,
        ...(group.trim() === '' ? {} : { group: group.trim() }),
        ...logins(user, identity),
      });
      const s = useStore.getState();
      const next = addTargetHosts(s.topology, hosts);
      s.commit(next.topology);
      s.notify(
        'info',
        `Added ${next.added.length} host(s) from the inventory${next.skipped.length > 0 ? `; already drawn: ${next.skipped.join(', ')}` : ''}.`,
      );
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal titleId="inventory-title" title="Add hosts from an Ansible inventory" testId="dialog-inventory" className="modal-wide">
      <p>
        INI or YAML; <span className="mono">ansible_host</span>, <span className="mono">ansible_user</span>,{' '}
        <span className="mono">ansible_port</span> and <span className="mono">ansible_ssh_private_key_file</span> become each
        host&apos;s SSH settings. The hosts are placed on the canvas; connect them to segments yourself.
      </p>
      <div className={styles.row}>
        <label className={styles.grow}>
          Inventory file
          <input
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="inventory/hosts.ini"
            data-testid="inventory-path"
          />
        </label>
        {nativeDialogs && (
          <button type="button" onClick={() => void browse()}>
            Browse…
          </button>
        )}
      </div>
      <label>
        …or paste it
        <textarea
          className={styles.text}
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="inventory-text"
        />
      </label>
      <div className={styles.row}>
        <label>
          Group (optional)
          <input value={group} onChange={(e) => setGroup(e.target.value)} placeholder="all" data-testid="inventory-group" />
        </label>
      </div>
      <LoginFields user={user} identity={identity} setUser={setUser} setIdentity={setIdentity} />
      {error !== null && (
        <p className={styles.error} role="alert" data-testid="inventory-error">
          {error}
        </p>
      )}
      <div className="modal-buttons">
        <button type="button" className="primary" disabled={busy} onClick={() => void add()} data-testid="inventory-add">
          Add hosts
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
