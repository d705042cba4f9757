import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/errors';
import { useFormat } from '../format';

/**
 * A failed operation explained in the user's language (by `extensions.code`), announced to
 * screen readers (`role="alert"`). With `retryAfter` (RATE_LIMITED, PAYMENT_UNAVAILABLE) it
 * counts down "try again in N s" and offers `onRetry` once the wait is over. With `scope`, a
 * text of `errors.<scope>.<code>` (e.g. a manager page's FORBIDDEN) wins over the general one.
 */
export function ErrorMessage({ error, onRetry, scope }: { error: ApiError; onRetry?: () => void; scope?: 'manager' }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [left, setLeft] = useState(error.retryAfter ?? 0);
  useEffect(() => {
    setLeft(error.retryAfter ?? 0);
    if (!error.retryAfter) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil(error.retryAfter! - (Date.now() - started) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [error]);
  const values = { defaultValue: '', limit: error.limit, reason: error.reason, until: fmt.date(error.cancelableUntil) };
  const known = (scope && t(`errors.${scope}.${error.code}`, values)) || t(`errors.${error.code}`, values);
  return (
    <div className="error" role="alert">
      <p>{known || t('errors.UNKNOWN')}</p>
      {left > 0 && <p className="retry">{t('errors.retryIn', { count: left })}</p>}
      {onRetry && error.retryAfter !== undefined && (
        <button type="button" onClick={onRetry} disabled={left > 0}>
          {t('errors.tryAgain')}
        </button>
      )}
    </div>
  );
}
