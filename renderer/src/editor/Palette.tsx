import type { DragEvent } from 'react';
import { PALETTE_MIME, type PaletteKind } from '../canvas/Canvas';

const ITEMS: { kind: PaletteKind; label: string; detail: string }[] = [
  { kind: 'host', label: 'Host', detail: 'A Linux server (VTEP) reached over SSH' },
  { kind: 'segment', label: 'Segment (VNI)', detail: 'One Layer-2 overlay, a VXLAN network id' },
  { kind: 'bridge', label: 'Bridge', detail: 'A Linux bridge on a host: drop it on the host' },
];

function onDragStart(e: DragEvent, kind: PaletteKind): void {
  e.dataTransfer.setData(PALETTE_MIME, kind);
  e.dataTransfer.effectAllowed = 'copy';
}

export function Palette() {
  return (
    <nav className="palette" aria-label="Palette">
      <h2>Add</h2>
      {ITEMS.map((item) => (
        <div
          key={item.kind}
          className={`palette-item palette-${item.kind}`}
          draggable
          onDragStart={(e) => onDragStart(e, item.kind)}
          data-testid={`palette-${item.kind}`}
          role="button"
          aria-label={`Drag a ${item.label} onto the canvas`}
          title={item.detail}
        >
          <span className={`kind-dot kind-${item.kind}`} />
          <span className="palette-text">
            <span className="palette-label">{item.label}</span>
            <span className="palette-detail">{item.detail}</span>
          </span>
        </div>
      ))}
      <div className="palette-help" data-testid="palette-help">
        <h2>Connect</h2>
        <p>Drag from the handle on a host&apos;s or bridge&apos;s right edge and drop anywhere on a segment.</p>
        <h2>Keys</h2>
        <dl className="keys">
          <dt>Ctrl+Z / Ctrl+Shift+Z</dt>
          <dd>Undo / redo</dd>
          <dt>Ctrl+C / Ctrl+V</dt>
          <dd>Copy / paste</dd>
          <dt>Ctrl+A</dt>
          <dd>Select all</dd>
          <dt>Delete</dt>
          <dd>Remove selection</dd>
          <dt>Shift+drag</dt>
          <dd>Box select</dd>
          <dt>Shift+L / Shift+F</dt>
          <dd>Auto-layout / fit</dd>
        </dl>
      </div>
    </nav>
  );
}
