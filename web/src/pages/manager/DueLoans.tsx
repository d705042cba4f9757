import { useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OPS } from '../../api/operations';
import { apiErrorOf } from '../../api/errors';
import type { RentalStatus } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RentalFacts } from '../../components/RentalFacts';
import { RENTALS_POLL_MS } from '../Rentals';
import { dueState } from './due';

/** Hours ahead `dueRentals` looks: the 2 days `due.ts` calls "due soon". */
const DUE_WITHIN_HOURS = 48;

/**
 * A manager's overdue and expiring loans across the whole catalog (`/manage/due`): `dueRentals`
 * from the read model (RENTED loans due within 2 days or past due, soonest first, polled), each
 * with its book (a link to the book's rentals), its customer and *Overdue* / *Due soon* in words.
 */
export function DueLoans() {
  const { t } = useTranslation();
  const { data, error } = useQuery(OPS.DueRentals, { variables: { withinHours: DUE_WITHIN_HOURS, first: 200 }, pollInterval: RENTALS_POLL_MS, notifyOnNetworkStatusChange: false });
  const now = Date.now();
  const list = data?.dueRentals ?? [];
  const overdue = list.filter((r) => dueState(r, now) === 'overdue').length;
  return (
    <section aria-labelledby="due-loans-heading">
      <h1 id="due-loans-heading">{t('manager.due.heading')}</h1>
      {error && <ErrorMessage error={apiErrorOf(error)} scope="manager" />}
      {data && <p>{t('manager.rentals.dueSummary', { overdue, dueSoon: list.length - overdue })}</p>}
      <p className="hint">{t('rentals.live')}</p>
      {data && list.length === 0 && <p>{t('manager.due.empty')}</p>}
      <ul className="list">
        {list.map((r) => (
          <DueLoanRow key={r.rentalId} rental={r} due={dueState(r, now)} />
        ))}
      </ul>
    </section>
  );
}

function DueLoanRow({ rental, due }: { rental: RentalStatus; due: 'overdue' | 'dueSoon' | undefined }) {
  const { t } = useTranslation();
  const customer = rental.customerName ?? rental.customerId ?? '';
  const title = rental.bookTitle ?? rental.bookId ?? '';
  return (
    <li className="card rental" aria-label={t('manager.due.of', { title, customer })}>
      <h2>{rental.bookId ? <Link to={`/manage/books/${rental.bookId}`}>{title}</Link> : title}</h2>
      <p>{t('manager.due.customer', { customer })}</p>
      <RentalFacts rental={rental} badges={due && <span className={`badge badge-${due === 'overdue' ? 'expired' : 'suspended'}`}>{t(`manager.rentals.${due}`)}</span>} />
    </li>
  );
}
