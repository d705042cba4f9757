import { useTranslation } from 'react-i18next';

/** A rental, payment or hold state as a labelled badge (colour is never the only cue: the text says it). */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${status.toLowerCase()}`}>{t(`status.${status}`, { defaultValue: status })}</span>;
}
