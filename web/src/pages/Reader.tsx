import { useQuery } from '@apollo/client';
import ePub, { type Rendition } from 'epubjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { OPS } from '../api/operations';
import { apiErrorOf } from '../api/errors';
import { ErrorMessage } from '../components/ErrorMessage';

/** Why a rental cannot be read now: its licence ended, is not active yet, the book has no EPUB, or the content could not be fetched/parsed. */
type Unreadable = 'ended' | 'notYet' | 'noContent' | 'failed';

/** Height of the page area (CSS px): epub.js paginates the book into pages of this size. */
const PAGE_HEIGHT_PX = 560;

/**
 * The reader of a rental (`/read/:rentalId`), lazy-loaded with epub.js. On opening it asks for a
 * fresh `readingUrl` (`ReadingLink`, never from the cache: a link lives minutes), fetches the EPUB
 * as an ArrayBuffer from that same-origin link and renders it paginated (epub.js, in its own
 * iframe) with previous/next page buttons. It says why when the book cannot be read: the loan
 * ended (licence RETURNED/EXPIRED/CANCELLED, or the content server answered 403), it is not active
 * yet (READY), the book has no content, or fetching/parsing failed.
 */
export default function Reader() {
  const { t } = useTranslation();
  const { rentalId = '' } = useParams();
  const { data, error, loading } = useQuery(OPS.ReadingLink, { variables: { id: rentalId }, fetchPolicy: 'network-only' });
  const rental = data?.rental;
  const title = rental?.book?.title ?? '';
  const url = rental?.readingUrl ?? null;
  const viewer = useRef<HTMLDivElement>(null);
  const rendition = useRef<Rendition | null>(null);
  const [unreadable, setUnreadable] = useState<Unreadable | null>(null);
  const [shown, setShown] = useState(false);

  useEffect(() => {
    if (!rental) return;
    if (!url) {
      const ended = ['RETURNED', 'EXPIRED', 'CANCELLED'].includes(rental.licenseStatus);
      setUnreadable(ended ? 'ended' : rental.licenseStatus === 'READY' ? 'notYet' : 'noContent');
      return;
    }
    let canceled = false;
    let book: ReturnType<typeof ePub> | undefined;
    void (async () => {
      try {
        const response = await fetch(url);
        if (canceled) return;
        if (response.status === 403) return setUnreadable('ended');
        if (response.status === 404) return setUnreadable('noContent');
        if (!response.ok) return setUnreadable('failed');
        const bytes = await response.arrayBuffer();
        if (canceled || !viewer.current) return;
        book = ePub(bytes);
        const r = book.renderTo(viewer.current, { width: '100%', height: PAGE_HEIGHT_PX, flow: 'paginated', spread: 'none' });
        // Each page iframe gets a title (screen readers announce frames by it; axe's frame-title rule).
        r.on('rendered', () => viewer.current?.querySelectorAll('iframe').forEach((f) => (f.title = t('reader.frame', { title }))));
        rendition.current = r;
        await r.display();
        if (!canceled) setShown(true);
      } catch {
        if (!canceled) setUnreadable('failed');
      }
    })();
    return () => {
      canceled = true;
      rendition.current = null;
      book?.destroy();
    };
    // The link changes on every query: one load per answer.
  }, [rental, url, t, title]);

  return (
    <section aria-labelledby="reader-heading" className="reader">
      <h1 id="reader-heading">{title ? t('reader.heading', { title }) : t('reader.headingUnknown')}</h1>
      <p>
        <Link to="/rentals">{t('reader.back')}</Link>
      </p>
      {error && <ErrorMessage error={apiErrorOf(error)} />}
      <div aria-live="polite">
        {(loading || (url && !shown && !unreadable)) && <p>{t('reader.loading')}</p>}
        {unreadable && (
          <p className={unreadable === 'failed' ? 'error' : 'notice'} role={unreadable === 'failed' ? 'alert' : undefined}>
            {t(`reader.${unreadable}`)}
          </p>
        )}
      </div>
      {url && !unreadable && (
        <>
          <div ref={viewer} className="reader-page" style={{ height: PAGE_HEIGHT_PX }} />
          <div className="actions">
            <button type="button" className="secondary" disabled={!shown} onClick={() => void rendition.current?.prev()}>
              {t('reader.previous')}
            </button>
            <button type="button" disabled={!shown} onClick={() => void rendition.current?.next()}>
              {t('reader.next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
