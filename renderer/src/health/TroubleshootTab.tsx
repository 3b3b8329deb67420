import { useStore } from '../store/store';

/** The bottom panel's Troubleshoot tab button, with the count of error findings. */
export function TroubleshootTab() {
  const active = useStore((s) => s.bottomTab === 'troubleshoot');
  const errors = useStore((s) => s.healthFindingIds.filter((id) => s.healthFindings[id]?.severity === 'error').length);
  const warnings = useStore((s) => s.healthFindingIds.filter((id) => s.healthFindings[id]?.severity === 'warning').length);
  return (
    <button
      type="button"
      role="tab"
      aria-selected={active}
      className={active ? 'active' : ''}
      onClick={() => useStore.getState().setBottomTab('troubleshoot')}
      data-testid="troubleshoot-tab"
    >
      Troubleshoot
      {errors > 0 && <span className="count count-error">{errors}</span>}
      {warnings > 0 && <span className="count count-warning">{warnings}</span>}
    </button>
  );
}
