import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OPS } from '../api/operations';
import { apiErrorOf } from '../api/errors';
import { useAction } from '../api/useAction';
import type { BookNode } from '../api/types';
import { useAuth } from '../auth/AuthProvider';
import { useRole } from '../api/useRole';
import { ErrorMessage } from '../components/ErrorMessage';
import { useFormat } from '../format';

const PAGE_SIZE = 20;

/**
 * The catalog: search (title or author, debounced), infinite scroll (an IntersectionObserver on
 * the end of the list fetches the next cursor page; the "load more" button does the same for
 * keyboard users), and per book its availability with rent / place-hold actions.
 */
export function Catalog() {
  const { t } = useTranslation();
  const searchId = useId();
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearch(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  const { data, loading, error, fetchMore } = useQuery(OPS.Books, { variables: { search: search || null, first: PAGE_SIZE }, notifyOnNetworkStatusChange: true });
  const books = data?.books.edges.map((e) => e.node) ?? [];
  const pageInfo = data?.books.pageInfo;
  const more = () => {
    if (!loading && pageInfo?.hasNextPage) void fetchMore({ variables: { after: pageInfo.endCursor } });
  };
  const sentinel = useRef<HTMLDivElement>(null);
  const moreRef = useRef(more);
  moreRef.current = more;
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && moreRef.current(), { rootMargin: '400px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return (
    <section aria-labelledby="catalog-heading">
      <h1 id="catalog-heading">{t('catalog.heading')}</h1>
      <div className="search">
        <label htmlFor={searchId}>{t('catalog.search')}</label>
        <input id={searchId} type="search" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${searchId}-hint`} autoComplete="off" />
        <p id={`${searchId}-hint`} className="hint">
          {t('catalog.searchHint')}
        </p>
      </div>
      {error && <ErrorMessage error={apiErrorOf(error)} />}
      <p className="count" aria-live="polite">
        {data && (books.length === 0 ? t('catalog.empty') : t('catalog.results', { count: books.length }))}
      </p>
      <ul className="books">
        {books.map((b) => (
          <BookCard key={b.id} book={b} />
        ))}
      </ul>
      <div ref={sentinel} />
      {loading && <p aria-live="polite">{t('catalog.loading')}</p>}
      {pageInfo?.hasNextPage && !loading && (
        <button type="button" className="secondary" onClick={more}>
          {t('catalog.loadMore')}
        </button>
      )}
    </section>
  );
}

function BookCard({ book }: { book: BookNode }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const role = useRole();
  return (
    <li className="card book" aria-labelledby={`${panelId}-title`}>
      <h2 id={`${panelId}-title`}>{book.title}</h2>
      <p className="meta">{t('catalog.by', { author: book.author, year: book.publishedYear })}</p>
      <p>
        {t('catalog.fee', { fee: fmt.krw(book.rentalFee) })} · {t('catalog.copiesNow', { count: book.availableCopies })}
      </p>
      <button type="button" className="secondary" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {open ? t('catalog.hideDetails') : t('catalog.details')}
      </button>
      {role === 'MANAGER' && (
        <p>
          <Link to={`/manage/books/${book.id}`}>{t('manager.rentals.link', { title: book.title })}</Link>
        </p>
      )}
      <div id={panelId}>{open && <AvailabilityPanel book={book} />}</div>
    </li>
  );
}

/** Copies, holds waiting and estimated wait of one book, with Rent (fee shown) or Place a hold. */
function AvailabilityPanel({ book }: { book: BookNode }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { state, session } = useAuth();
  const { data, refetch } = useQuery(OPS.BookAvailability, { variables: { id: book.id }, fetchPolicy: 'cache-and-network' });
  const [rent, renting] = useMutation(OPS.RentBook, { refetchQueries: ['MyRentals'] });
  const [placeHold, placing] = useMutation(OPS.PlaceHold, { refetchQueries: ['MyHolds'] });
  const { error, done, run } = useAction<{ text: string; to: string }>();
  const a = data?.book?.availability;
  const fee = data?.book?.rentalFee ?? book.rentalFee;
  const act = async (fn: () => Promise<{ text: string; to: string }>) => {
    await run(fn);
    void refetch();
  };
  const doRent = () =>
    act(async () => {
      const r = await rent({ variables: { bookId: book.id } });
      return { text: t('availability.rented', { title: book.title, status: t(`status.${r.data!.rentBook.status}`) }), to: '/rentals' };
    });
  const doHold = () =>
    act(async () => {
      const r = await placeHold({ variables: { bookId: book.id } });
      return { text: t('availability.holdPlaced', { title: book.title, position: r.data!.placeHold.position }), to: '/holds' };
    });

  return (
    <div className="availability" role="region" aria-label={t('availability.heading', { title: book.title })}>
      {a && (
        <ul className="facts">
          <li>{t('availability.copies', { available: a.availableCopies, total: a.totalCopies })}</li>
          <li>{t('availability.holdsWaiting', { count: a.holdsWaiting })}</li>
          <li>
            {a.estimatedWaitDays === null
              ? t('availability.waitUnknown')
              : a.estimatedWaitDays === 0
                ? t('availability.waitNone')
                : t('availability.waitDays', { count: a.estimatedWaitDays })}
          </li>
        </ul>
      )}
      {state.status !== 'signedIn' ? (
        <button type="button" onClick={() => void session.signIn()}>
          {t('availability.signInToRent')}
        </button>
      ) : a && a.availableCopies === 0 ? (
        <button type="button" onClick={() => void doHold()} disabled={placing.loading}>
          {t('availability.placeHold')}
        </button>
      ) : (
        <button type="button" onClick={() => void doRent()} disabled={renting.loading}>
          {t('availability.rent', { fee: fmt.krw(fee) })}
        </button>
      )}
      <div aria-live="polite">
        {done && (
          <p className="success">
            {done.text} <Link to={done.to}>{done.to === '/holds' ? t('nav.holds') : t('nav.rentals')}</Link>
          </p>
        )}
      </div>
      {error && <ErrorMessage error={error} onRetry={() => void doRent()} />}
    </div>
  );
}
