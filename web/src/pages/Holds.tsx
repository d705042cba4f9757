import { useMutation, useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { OPS } from '../api/operations';
import { apiErrorOf } from '../api/errors';
import { useAction } from '../api/useAction';
import type { Hold } from '../api/types';
import { ErrorMessage } from '../components/ErrorMessage';
import { StatusBadge } from '../components/StatusBadge';
import { useFormat } from '../format';

/** How often the holds are polled (ms): positions move and offers arrive as others return books. */
const HOLDS_POLL_MS = 5000;

/**
 * The customer's holds (`myHolds`: active first): place in line, estimated wait, the offer's
 * deadline; suspend a WAITING hold, resume a SUSPENDED one, cancel any active one, rent a READY one.
 */
export function Holds() {
  const { t } = useTranslation();
  const { data, error } = useQuery(OPS.MyHolds, { pollInterval: HOLDS_POLL_MS });
  return (
    <section aria-labelledby="holds-heading">
      <h1 id="holds-heading">{t('holds.heading')}</h1>
      {error && <ErrorMessage error={apiErrorOf(error)} />}
      {data && data.myHolds.length === 0 && <p>{t('holds.empty')}</p>}
      <ul className="list">
        {data?.myHolds.map((h) => (
          <HoldRow key={h.id} hold={h} />
        ))}
      </ul>
    </section>
  );
}

function HoldRow({ hold }: { hold: Hold }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { error, run } = useAction<unknown>();
  const options = { refetchQueries: ['MyHolds'] };
  const [suspend, s] = useMutation(OPS.SuspendHold, options);
  const [resume, r] = useMutation(OPS.ResumeHold, options);
  const [cancel, c] = useMutation(OPS.CancelHold, options);
  const [rent, rb] = useMutation(OPS.RentBook, { refetchQueries: ['MyHolds', 'MyRentals'] });
  const busy = s.loading || r.loading || c.loading || rb.loading;
  const act = (fn: () => Promise<unknown>) => () => void run(fn);
  const holdId = { holdId: hold.id };
  const active = hold.status === 'WAITING' || hold.status === 'SUSPENDED' || hold.status === 'READY';
  return (
    <li className="card hold" aria-label={hold.book.title}>
      <h2>{hold.book.title}</h2>
      <p className="states">
        <StatusBadge status={hold.status} />
        {hold.position !== null && <span className="position">{t('holds.position', { position: hold.position, length: hold.queueLength })}</span>}
      </p>
      <p className="meta">
        <span>{t('holds.placedAt', { date: fmt.date(hold.placedAt) })}</span>
        {hold.estimatedWaitDays !== null && <span>{t('holds.wait', { count: hold.estimatedWaitDays })}</span>}
        {hold.readyUntil && <span>{t('holds.readyUntil', { date: fmt.date(hold.readyUntil) })}</span>}
      </p>
      {active && (
        <div className="actions">
          {hold.status === 'READY' && (
            <button type="button" disabled={busy} onClick={act(() => rent({ variables: { bookId: hold.book.id } }))}>
              {t('holds.rent')}
            </button>
          )}
          {hold.status === 'WAITING' && (
            <button type="button" className="secondary" disabled={busy} onClick={act(() => suspend({ variables: holdId }))}>
              {t('holds.suspend')}
            </button>
          )}
          {hold.status === 'SUSPENDED' && (
            <button type="button" className="secondary" disabled={busy} onClick={act(() => resume({ variables: holdId }))}>
              {t('holds.resume')}
            </button>
          )}
          <button type="button" className="secondary" disabled={busy} onClick={act(() => cancel({ variables: holdId }))}>
            {t('holds.cancel')}
          </button>
        </div>
      )}
      {error && <ErrorMessage error={error} />}
    </li>
  );
}
