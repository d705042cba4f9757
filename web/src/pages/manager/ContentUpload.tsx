import { useMutation, useQuery } from '@apollo/client';
import { useId, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { OPS } from '../../api/operations';
import { apiErrorOf, type ApiError } from '../../api/errors';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useFormat } from '../../format';

/** What the content server answered a PUT: 201 with the stored EPUB's size (bytes) and SHA-256 (hex), else its error `code`. */
type Outcome = { ok: true; sizeBytes: number; sha256: string } | { ok: false; code: string; status: number; maxBytes: number };

/** The content server's refusals this page explains (`manager.content.<code>`). */
const KNOWN_CODES = ['INVALID_EPUB', 'CONTENT_TOO_LARGE', 'FORBIDDEN'];

/**
 * A book's EPUB on the manager's book page: what is stored (`Book.content`: size, SHA-256,
 * upload time) and an "Upload EPUB" file input. Choosing a file asks reading for a signed upload
 * URL (`requestBookContentUpload`, minutes long), PUTs the file there (`application/epub+zip`,
 * same origin) and shows the stored size and SHA-256, or why nothing was stored
 * (INVALID_EPUB, CONTENT_TOO_LARGE with the limit, FORBIDDEN for an expired link).
 */
export function ContentUpload({ bookId }: { bookId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const inputId = useId();
  const content = useQuery(OPS.BookContent, { variables: { id: bookId } });
  const [requestUpload] = useMutation(OPS.RequestBookContentUpload);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<ApiError>();
  const stored = content.data?.book?.content;

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setOutcome(undefined);
    setError(undefined);
    try {
      const { url, maxBytes } = (await requestUpload({ variables: { bookId } })).data!.requestBookContentUpload;
      const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/epub+zip' }, body: file });
      const body = (await res.json().catch(() => ({}))) as { sizeBytes?: number; sha256?: string; code?: string };
      if (res.status === 201) {
        setOutcome({ ok: true, sizeBytes: body.sizeBytes!, sha256: body.sha256! });
        await content.refetch();
      } else {
        setOutcome({ ok: false, code: body.code ?? '', status: res.status, maxBytes });
      }
    } catch (err) {
      setError(apiErrorOf(err));
    } finally {
      setBusy(false);
      // The same file can be chosen again (e.g. after a FORBIDDEN).
      input.value = '';
    }
  };

  return (
    <section aria-labelledby={`${inputId}-heading`} className="card">
      <h2 id={`${inputId}-heading`}>{t('manager.content.heading')}</h2>
      {content.data &&
        (stored ? (
          <ul className="facts">
            <li>{t('manager.content.facts', { size: fmt.count(stored.sizeBytes), date: fmt.date(stored.uploadedAt) })}</li>
            <li className="hash">{t('manager.content.sha256', { sha256: stored.sha256 })}</li>
          </ul>
        ) : (
          <p>{t('manager.content.none')}</p>
        ))}
      <p>
        <label htmlFor={inputId}>{t('manager.content.upload')}</label>{' '}
        <input id={inputId} type="file" accept=".epub,application/epub+zip" disabled={busy} onChange={(e) => void upload(e)} />
      </p>
      <div aria-live="polite">
        {busy && <p>{t('manager.content.uploading')}</p>}
        {outcome?.ok && <p className="success">{t('manager.content.uploaded', { size: fmt.count(outcome.sizeBytes), sha256: outcome.sha256 })}</p>}
      </div>
      {outcome && !outcome.ok && (
        <p className="error" role="alert">
          {KNOWN_CODES.includes(outcome.code)
            ? t(`manager.content.${outcome.code}`, { max: fmt.count(outcome.maxBytes) })
            : t('manager.content.failed', { status: outcome.status })}
        </p>
      )}
      {error && <ErrorMessage error={error} scope="manager" />}
    </section>
  );
}
