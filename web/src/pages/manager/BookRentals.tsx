import { useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { OPS } from '../../api/operations';
import { apiErrorOf } from '../../api/errors';
import type { RentalStatus } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { RentalFacts } from '../../components/RentalFacts';
import { useFormat } from '../../format';
import { RENTALS_POLL_MS } from '../Rentals';
import { ContentUpload } from './ContentUpload';
import { dueState } from './due';

/**
 * A manager's view of one book (`/manage/books/:bookId`): its copies and the holds waiting
 * (`book`, `availability`), and every rental of it from the read model (`bookRentals`, newest
 * first, polled): customer, state, payment, fee, dates, and RENTED loans that are overdue or due
 * within 2 days (`due.ts`), said in words (not by colour alone). Its EPUB: {@link ContentUpload}.
 * Its holds: {@link BookHolds}.
 */
export function BookRentals() {
  const { t } = useTranslation();
  const { bookId = '' } = useParams();
  const book = useQuery(OPS.Book, { variables: { id: bookId } });
  const availability = useQuery(OPS.BookAvailability, { variables: { id: bookId }, pollInterval: RENTALS_POLL_MS });
  const rentals = useQuery(OPS.BookRentals, { variables: { bookId }, pollInterval: RENTALS_POLL_MS, notifyOnNetworkStatusChange: false });
  const b = book.data?.book;
  const a = availability.data?.book?.availability;
  const error = book.error ?? rentals.error;
  const now = Date.now();
  const list = rentals.data?.bookRentals ?? [];
  const overdue = list.filter((r) => dueState(r, now) === 'overdue').length;
  const dueSoon = list.filter((r) => dueState(r, now) === 'dueSoon').length;
  return (
    <section aria-labelledby="book-rentals-heading">
      <h1 id="book-rentals-heading">{b ? t('manager.rentals.heading', { title: b.title }) : t('manager.rentals.headingUnknown')}</h1>
      {error && <ErrorMessage error={apiErrorOf(error)} scope="manager" />}
      {book.data && !b && <p>{t('manager.rentals.noBook')}</p>}
      {b && (
        <ul className="facts">
          <li>{t('catalog.by', { author: b.author, year: b.publishedYear })}</li>
          <li>{t('availability.copies', { available: a?.availableCopies ?? b.availableCopies, total: b.licensedCopies })}</li>
          {a && <li>{t('availability.holdsWaiting', { count: a.holdsWaiting })}</li>}
          {rentals.data && <li>{t('manager.rentals.dueSummary', { overdue, dueSoon })}</li>}
        </ul>
      )}
      {b && <ContentUpload bookId={b.id} />}
      {b && <BookHolds bookId={b.id} />}
      <p className="hint">{t('rentals.live')}</p>
      {rentals.data && list.length === 0 && <p>{t('manager.rentals.empty')}</p>}
      <ul className="list">
        {list.map((r) => (
          <BookRentalRow key={r.rentalId} rental={r} due={dueState(r, now)} />
        ))}
      </ul>
    </section>
  );
}

function BookRentalRow({ rental, due }: { rental: RentalStatus; due: 'overdue' | 'dueSoon' | undefined }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const customer = rental.customerName ?? rental.customerId ?? '';
  return (
    <li className="card rental" aria-label={t('manager.rentals.of', { customer })}>
      <h2>{customer}</h2>
      <RentalFacts
        rental={rental}
        badges={due && <span className={`badge badge-${due === 'overdue' ? 'expired' : 'suspended'}`}>{t(`manager.rentals.${due}`)}</span>}
        dates={
          <>
            {rental.returnedAt && <span>{t('manager.rentals.returnedAt', { date: fmt.date(rental.returnedAt) })}</span>}
            {rental.canceledAt && <span>{t('manager.rentals.canceledAt', { date: fmt.date(rental.canceledAt) })}</span>}
          </>
        }
      />
    </li>
  );
}

/**
 * The book's active holds (`BookHolds`: `Book.holds`, managers only, polled) as a table in queue
 * order: READY offers first (with the deadline of their reserved copy), then the queue by place.
 */
function BookHolds({ bookId }: { bookId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const holds = useQuery(OPS.BookHolds, { variables: { id: bookId }, pollInterval: RENTALS_POLL_MS, notifyOnNetworkStatusChange: false });
  const list = holds.data?.book?.holds ?? [];
  return (
    <section aria-labelledby="book-holds-heading">
      <h2 id="book-holds-heading">{t('manager.holds.heading')}</h2>
      {holds.error && <ErrorMessage error={apiErrorOf(holds.error)} scope="manager" />}
      {holds.data && list.length === 0 && <p>{t('manager.holds.empty')}</p>}
      {list.length > 0 && (
        <table className="holds-table">
          <thead>
            <tr>
              <th scope="col">{t('manager.holds.position')}</th>
              <th scope="col">{t('manager.holds.customer')}</th>
              <th scope="col">{t('manager.holds.status')}</th>
              <th scope="col">{t('manager.holds.placedAt')}</th>
              <th scope="col">{t('manager.holds.readyUntil')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((h) => (
              <tr key={h.id}>
                <td>{h.position ?? ''}</td>
                <th scope="row">{h.user.name}</th>
                <td>
                  <StatusBadge status={h.status} />
                </td>
                <td>{fmt.date(h.placedAt)}</td>
                <td>{fmt.date(h.readyUntil)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
