import { useTranslation } from 'react-i18next';

/** Formatters in the current language: KRW amounts (integers), counts (e.g. bytes) and ISO-8601 times, by `Intl`. */
export function useFormat() {
  const { i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? 'ko';
  const money = new Intl.NumberFormat(lng, { style: 'currency', currency: 'KRW' });
  const number = new Intl.NumberFormat(lng);
  const date = new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    krw: (amount: number) => money.format(amount),
    count: (n: number) => number.format(n),
    date: (iso: string | null | undefined) => (iso ? date.format(new Date(iso)) : ''),
  };
}
