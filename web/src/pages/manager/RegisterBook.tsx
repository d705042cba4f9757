import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OPS } from '../../api/operations';
import { useAction } from '../../api/useAction';
import type { RegisterBookMutation } from '../../api/__generated__/operations';
import type { RegisterBookInput } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';

/** The bounds of `RegisterBookInput` (supergraph): the form checks them before sending, the server again. */
const LIMITS = { title: 300, author: 200, fee: 1_000_000, copies: 10_000 } as const;

/**
 * A manager registers a book with its licensed copies (`registerBook`). The form follows the
 * input's bounds (required fields, lengths, ranges); a refusal (BAD_USER_INPUT, FORBIDDEN, …)
 * is explained and nothing is registered. On success: links to the book's rentals page.
 */
export function RegisterBook() {
  const { t } = useTranslation();
  const id = useId();
  const year = new Date().getFullYear();
  const [form, setForm] = useState({ title: '', author: '', publishedYear: String(year), rentalFee: '1000', licensedCopies: '1' });
  const [register, { loading }] = useMutation(OPS.RegisterBook, { refetchQueries: ['Books'] });
  const { error, done, run } = useAction<RegisterBookMutation['registerBook']>();
  const field = (name: keyof typeof form) => ({
    id: `${id}-${name}`,
    name,
    value: form[name],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input: RegisterBookInput = {
      title: form.title.trim(),
      author: form.author.trim(),
      publishedYear: Number(form.publishedYear),
      rentalFee: Number(form.rentalFee),
      licensedCopies: Number(form.licensedCopies),
    };
    void run(async () => {
      const book = (await register({ variables: { input } })).data!.registerBook;
      setForm({ ...form, title: '', author: '' });
      return book;
    });
  };
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>{t('manager.register.heading')}</h1>
      <p className="hint">{t('manager.register.intro')}</p>
      <form className="card form" onSubmit={submit}>
        <label htmlFor={`${id}-title`}>{t('manager.register.title')}</label>
        <input {...field('title')} required maxLength={LIMITS.title} autoComplete="off" />
        <label htmlFor={`${id}-author`}>{t('manager.register.author')}</label>
        <input {...field('author')} required maxLength={LIMITS.author} autoComplete="off" />
        <label htmlFor={`${id}-publishedYear`}>{t('manager.register.year')}</label>
        <input {...field('publishedYear')} type="number" required max={year} step={1} />
        <label htmlFor={`${id}-rentalFee`}>{t('manager.register.fee')}</label>
        <input {...field('rentalFee')} type="number" required min={0} max={LIMITS.fee} step={1} aria-describedby={`${id}-fee-hint`} />
        <p id={`${id}-fee-hint`} className="hint">
          {t('manager.register.feeHint')}
        </p>
        <label htmlFor={`${id}-licensedCopies`}>{t('manager.register.copies')}</label>
        <input {...field('licensedCopies')} type="number" required min={1} max={LIMITS.copies} step={1} aria-describedby={`${id}-copies-hint`} />
        <p id={`${id}-copies-hint`} className="hint">
          {t('manager.register.copiesHint')}
        </p>
        <div className="actions">
          <button type="submit" disabled={loading}>
            {t('manager.register.submit')}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {done && (
          <p className="success">
            {t('manager.register.done', { title: done.title, count: done.licensedCopies })}{' '}
            <Link to={`/manage/books/${done.id}`}>{t('manager.rentals.link', { title: done.title })}</Link>
          </p>
        )}
      </div>
      {error && <ErrorMessage error={error} scope="manager" />}
    </section>
  );
}
