import { useMutation, useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OPS } from '../api/operations';
import { apiErrorOf } from '../api/errors';
import { useAction } from '../api/useAction';
import type { RentalStatus } from '../api/types';
import { ErrorMessage } from '../components/ErrorMessage';
import { RentalFacts } from '../components/RentalFacts';
import { useFormat } from '../format';

/** How often the read model is polled (ms): a status moves on its own (e.g. REFUNDED after a cancel). */
export const RENTALS_POLL_MS = 2000;

/**
 * The customer's rentals from the read model (`myRentals`, rental-view), polled so changes the
 * events bring (payment approved, refunded, expired) appear without a reload. A RENTED loan can
 * be canceled (within the cancel window: the server says when it has passed), renewed or returned.
 */
export function Rentals() {
  const { t } = useTranslation();
  const { data, error } = useQuery(OPS.MyRentals, { pollInterval: RENTALS_POLL_MS, notifyOnNetworkStatusChange: false });
  return (
    <section aria-labelledby="rentals-heading">
      <h1 id="rentals-heading">{t('rentals.heading')}</h1>
      <p className="hint">{t('rentals.live')}</p>
      {error && <ErrorMessage error={apiErrorOf(error)} />}
      {data && data.myRentals.length === 0 && <p>{t('rentals.empty')}</p>}
      <ul className="list">
        {data?.myRentals.map((r) => (
          <RentalRow key={r.rentalId} rental={r} />
        ))}
      </ul>
    </section>
  );
}

function RentalRow({ rental }: { rental: RentalStatus }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { error, done, run: act } = useAction<string>();
  const options = { refetchQueries: ['MyRentals'] };
  const [cancel, canceling] = useMutation(OPS.CancelRental, options);
  const [renew, renewing] = useMutation(OPS.RenewRental, options);
  const [giveBack, returning] = useMutation(OPS.ReturnBook, options);
  const busy = canceling.loading || renewing.loading || returning.loading;
  const variables = { rentalId: rental.rentalId };
  const title = rental.bookTitle ?? rental.bookId ?? '';
  return (
    <li className="card rental" aria-label={title}>
      <h2>{title}</h2>
      <RentalFacts rental={rental} />
      {rental.status === 'RENTED' && (
        <div className="actions">
          <Link className="button" to={`/read/${rental.rentalId}`} aria-label={t('rentals.readTitle', { title })}>
            {t('rentals.read')}
          </Link>
          <button type="button" className="secondary" disabled={busy} onClick={() => void act(async () => (await cancel({ variables }), t('rentals.canceled')))}>
            {t('rentals.cancel')}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void act(async () => t('rentals.renewed', { date: fmt.date((await renew({ variables })).data!.renewRental.dueAt) }))}
          >
            {t('rentals.renew')}
          </button>
          <button type="button" disabled={busy} onClick={() => void act(async () => (await giveBack({ variables }), t('rentals.returned')))}>
            {t('rentals.return')}
          </button>
        </div>
      )}
      <div aria-live="polite">{done && <p className="success">{done}</p>}</div>
      {error && <ErrorMessage error={error} />}
    </li>
  );
}
