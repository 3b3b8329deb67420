import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/store';
import { selectPairTitle, selectPairTone } from './derive';

interface Member {
  id: string;
  name: string;
}

function Cell({ segmentId, from, to }: { segmentId: string; from: Member; to: Member }) {
  const tone = useStore(selectPairTone(segmentId, from.id, to.id));
  const title = useStore(selectPairTitle(segmentId, from.id, to.id, from.name, to.name));
  return (
    <td
      className={`pair-cell pair-${tone}`}
      title={title}
      data-testid="pair-cell"
      data-from={from.id}
      data-to={to.id}
      data-tone={tone}
      aria-label={title}
    />
  );
}

/** Members of a segment as `id\u0000name` lines (a string, so the selector result compares by value). */
function useMembers(segmentId: string): Member[] {
  const lines = useStore(
    useShallow((s) =>
      s.topology.memberships
        .filter((m) => m.segmentId === segmentId)
        .map((m) => `${m.hostId}\u0000${s.topology.hosts.find((h) => h.id === m.hostId)?.name ?? m.hostId}`),
    ),
  );
  return lines.map((l) => {
    const [id = '', name = ''] = l.split('\u0000');
    return { id, name };
  });
}

/** One segment's pair matrix: row = from, column = to, colour = overlay reachability in that direction. */
export function SegmentMatrix({ segmentId, name }: { segmentId: string; name: string }) {
  const members = useMembers(segmentId);
  if (members.length < 2) return null;
  return (
    <table className="pair-matrix" data-testid="pair-matrix" data-segment-id={segmentId}>
      <caption>{name}</caption>
      <thead>
        <tr>
          <th scope="col" className="muted">
            from \ to
          </th>
          {members.map((m) => (
            <th key={m.id} scope="col">
              {m.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {members.map((from) => (
          <tr key={from.id}>
            <th scope="row">{from.name}</th>
            {members.map((to) =>
              from.id === to.id ? (
                <td key={to.id} className="pair-self" />
              ) : (
                <Cell key={to.id} segmentId={segmentId} from={from} to={to} />
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every segment's matrix, with the legend. */
export function PairMatrix() {
  const segments = useStore(useShallow((s) => s.topology.segments.map((g) => `${g.id}\u0000${g.name}`)));
  return (
    <div className="pair-matrices">
      {segments.map((line) => {
        const [id = '', name = ''] = line.split('\u0000');
        return <SegmentMatrix key={id} segmentId={id} name={name} />;
      })}
      <ul className="health-legend" aria-label="Legend">
        <li>
          <span className="swatch pair-ok" /> answers
        </li>
        <li>
          <span className="swatch pair-down" /> no overlay reply
        </li>
        <li>
          <span className="swatch pair-mtu" /> MTU too big for the path
        </li>
        <li>
          <span className="swatch pair-unknown" /> not measured
        </li>
        <li className="legend-head">tunnel edges</li>
        <li>
          <span className="swatch pair-ok" /> all peers · <span className="swatch pair-mtu" /> some ·{' '}
          <span className="swatch pair-down" /> none
        </li>
        <li>
          <span className="health-badge legend-badge">FW</span> firewall drops VXLAN
        </li>
      </ul>
    </div>
  );
}
