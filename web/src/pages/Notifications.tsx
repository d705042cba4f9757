import { useQuery } from '@apollo/client';
import { useTranslation } from 'react-i18next';
import { OPS } from '../api/operations';
import { apiErrorOf } from '../api/errors';
import { ErrorMessage } from '../components/ErrorMessage';
import { useFormat } from '../format';

/** How often messages are polled (ms). */
const NOTIFICATIONS_POLL_MS = 10_000;

/** The customer's messages (`myNotifications`, newest first), as they were e-mailed. */
export function Notifications() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { data, error } = useQuery(OPS.MyNotifications, { variables: { first: 50 }, pollInterval: NOTIFICATIONS_POLL_MS });
  return (
    <section aria-labelledby="notifications-heading">
      <h1 id="notifications-heading">{t('notifications.heading')}</h1>
      {error && <ErrorMessage error={apiErrorOf(error)} />}
      {data && data.myNotifications.length === 0 && <p>{t('notifications.empty')}</p>}
      <ul className="list">
        {data?.myNotifications.map((n) => (
          <li key={n.id} className="card notification">
            <h2>{n.subject}</h2>
            <p className="meta">
              <time dateTime={n.createdAt}>{fmt.date(n.createdAt)}</time> ·{' '}
              {n.deliveredAt ? t('notifications.delivered', { date: fmt.date(n.deliveredAt) }) : t('notifications.pending')}
            </p>
            <p className="body">{n.body}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
