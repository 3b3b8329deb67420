import type { DeployResultData } from '../../../shared/api/contract';
import { reviewReplacingForeign } from './deploy-actions';

/**
 * Devices made by hand that have a drawn device's name but differ from it (each host's
 * `PLAN_NAME_CLASH` note names the fields): left alone unless the user ticks "Replace", which asks
 * for a new review that plans deleting and re-creating them, so Apply still runs only what was shown.
 * Ones that match the drawing exactly need no choice: they are adopted (marked ours, not re-created).
 */
export function ForeignReview({ preview }: { preview: DeployResultData }) {
  const replacing = preview.replaceForeign === true;
  const clashes = preview.hosts.filter((h) => h.diagnostics.some((d) => d.code === 'PLAN_NAME_CLASH')).length;
  if (preview.action !== 'apply' || (!replacing && clashes === 0)) return null;
  return (
    <section className="review-group review-change" data-testid="review-foreign">
      <label className="review-group-title">
        <input
          type="checkbox"
          checked={replacing}
          onChange={(e) => void reviewReplacingForeign(e.target.checked)}
          data-testid="review-foreign-toggle"
        />{' '}
        Replace devices made by hand that differ from the drawing
      </label>
      <p className="muted">
        {replacing
          ? 'They are deleted and re-created as drawn (their traffic stops meanwhile); see each host below.'
          : `Left alone on ${clashes} host${clashes === 1 ? '' : 's'}: the notes below say which settings differ. Devices of other drawings are never replaced.`}
      </p>
    </section>
  );
}
