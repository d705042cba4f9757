/**
 * The messages' text in Korean and English (pure: no I/O). The customer's `locale` picks the
 * language (`ko` unless they chose `en`); dates are shown in that locale's style and time zone
 * (`ko`: Asia/Seoul; `en`: UTC, which the text names), amounts as KRW.
 */
import type { Facts, NotificationKind } from './notification';

/** Languages of messages. */
export type Locale = 'ko' | 'en';

/** Time zone of the dates of each locale's messages (IANA names). */
export const TIME_ZONE: Record<Locale, string> = { ko: 'Asia/Seoul', en: 'UTC' };

/** BCP 47 tag of each locale, for `Intl`. */
const INTL_TAG: Record<Locale, string> = { ko: 'ko-KR', en: 'en-US' };

/** `ko` for anything but `en` (a locale never set, or unknown, is Korean). */
export function localeOf(value: string | null | undefined): Locale {
  return value === 'en' ? 'en' : 'ko';
}

/**
 * An instant in the locale's style and time zone, with the zone's name:
 * `2026년 12월 20일 오후 3:30 GMT+9` (ko), `December 20, 2026 at 6:30 AM UTC` (en).
 * @param iso an ISO-8601 date-time. @throws RangeError when it is not a valid date.
 */
export function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_TAG[locale], {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: TIME_ZONE[locale],
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** An integer KRW amount: `₩1,500`. */
export function formatKrw(amount: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_TAG[locale], { style: 'currency', currency: 'KRW' }).format(amount);
}

/** Who the message is for and what it is about. */
export interface MessageContext {
  customerName: string;
  locale: Locale;
  bookTitle: string;
}

/** A rendered message: a one-line subject and a plain-text body. */
export interface RenderedMessage {
  subject: string;
  body: string;
}

/** The pieces one template fills in (already formatted for the locale). */
interface Slots {
  name: string;
  title: string;
  /** Formatted `facts.dueAt` ('' when absent). */
  due: string;
  /** Formatted `facts.amount` ('' when absent). */
  amount: string;
  /** Formatted `facts.readyUntil` ('' when absent). */
  until: string;
  facts: Facts;
}

type Template = (s: Slots) => { subject: string; lines: string[] };

const KO: Record<NotificationKind, Template> = {
  RENTED: (s) => ({ subject: `「${s.title}」 대여가 시작되었습니다`, lines: [`「${s.title}」을(를) 대여하셨습니다.`, `반납 기한: ${s.due}`, `결제 금액: ${s.amount}`] }),
  RENEWED: (s) => ({
    subject: `「${s.title}」 대여가 연장되었습니다`,
    lines: [`「${s.title}」의 대여 기간이 연장되었습니다.`, `새 반납 기한: ${s.due}`, `결제 금액: ${s.amount}`],
  }),
  CANCELED: (s) => ({ subject: `「${s.title}」 대여가 취소되었습니다`, lines: [`「${s.title}」 대여가 취소되었습니다.`, '결제하신 요금은 환불됩니다.'] }),
  REFUNDED: (s) => ({
    subject: `${s.amount} 환불이 완료되었습니다`,
    lines: [`「${s.title}」의 ${s.facts.renewal ? '연장 요금' : '대여 요금'} ${s.amount}이(가) 환불되었습니다.`],
  }),
  RETURNED: (s) => ({ subject: `「${s.title}」이(가) 반납되었습니다`, lines: [`「${s.title}」이(가) 반납되었습니다. 이용해 주셔서 감사합니다.`] }),
  DUE_SOON: (s) => ({
    subject: `「${s.title}」 반납 기한이 다가옵니다`,
    lines: [`「${s.title}」의 반납 기한은 ${s.due}입니다.`, '기한이 지나면 대여가 자동으로 만료됩니다. 더 읽으시려면 대여를 연장해 주세요.'],
  }),
  EXPIRED: (s) => ({ subject: `「${s.title}」 대여가 만료되었습니다`, lines: [`반납 기한(${s.due})이 지나 「${s.title}」 대여가 만료되었습니다.`] }),
  PAYMENT_FAILED: (s) => ({
    subject: `「${s.title}」 결제에 실패했습니다`,
    lines: [
      s.facts.reason === 'PAYMENT_DECLINED'
        ? `카드사에서 「${s.title}」 대여 요금(${s.amount}) 결제를 거절했습니다.`
        : `결제 서비스에 연결할 수 없어 「${s.title}」을(를) 대여하지 못했습니다. 잠시 후 다시 시도해 주세요.`,
      '청구된 금액은 없습니다.',
    ],
  }),
  HOLD_PLACED: (s) => ({ subject: `「${s.title}」 예약이 접수되었습니다`, lines: [`「${s.title}」 예약이 접수되었습니다.`, `대기 순번: ${s.facts.position ?? '-'}번`] }),
  HOLD_READY: (s) => ({
    subject: `예약하신 「${s.title}」을(를) 대여할 수 있습니다`,
    lines: s.facts.autoRent
      ? [`예약하신 「${s.title}」의 사본이 준비되었습니다.`, '자동 대여를 신청하셔서 바로 대여를 진행합니다.']
      : [`예약하신 「${s.title}」의 사본이 준비되었습니다.`, `${s.until}까지 대여하지 않으면 예약이 만료됩니다.`],
  }),
  HOLD_EXPIRED: (s) => ({ subject: `「${s.title}」 예약이 만료되었습니다`, lines: [`${s.until}까지 대여하지 않아 「${s.title}」 예약이 만료되었습니다.`] }),
};

const EN: Record<NotificationKind, Template> = {
  RENTED: (s) => ({ subject: `You rented "${s.title}"`, lines: [`You rented "${s.title}".`, `Due: ${s.due}`, `Charged: ${s.amount}`] }),
  RENEWED: (s) => ({ subject: `Your loan of "${s.title}" was renewed`, lines: [`Your loan of "${s.title}" was renewed.`, `New due date: ${s.due}`, `Charged: ${s.amount}`] }),
  CANCELED: (s) => ({ subject: `Your rental of "${s.title}" was canceled`, lines: [`Your rental of "${s.title}" was canceled.`, 'Your payment will be refunded.'] }),
  REFUNDED: (s) => ({
    subject: `Refund of ${s.amount} completed`,
    lines: [`The ${s.facts.renewal ? 'renewal fee' : 'rental fee'} of ${s.amount} for "${s.title}" was refunded.`],
  }),
  RETURNED: (s) => ({ subject: `"${s.title}" was returned`, lines: [`"${s.title}" was returned. Thank you for reading with us.`] }),
  DUE_SOON: (s) => ({ subject: `"${s.title}" is due soon`, lines: [`"${s.title}" is due ${s.due}.`, 'The loan ends by itself at its due date; renew it to keep reading.'] }),
  EXPIRED: (s) => ({ subject: `Your loan of "${s.title}" expired`, lines: [`Your loan of "${s.title}" expired at its due date (${s.due}).`] }),
  PAYMENT_FAILED: (s) => ({
    subject: `Payment for "${s.title}" failed`,
    lines: [
      s.facts.reason === 'PAYMENT_DECLINED'
        ? `Your card issuer declined the payment of ${s.amount} for "${s.title}".`
        : `We could not reach the payment service, so "${s.title}" was not rented. Please try again in a moment.`,
      'Nothing was charged.',
    ],
  }),
  HOLD_PLACED: (s) => ({ subject: `Your hold on "${s.title}" was placed`, lines: [`Your hold on "${s.title}" was placed.`, `Your place in line: ${s.facts.position ?? '-'}`] }),
  HOLD_READY: (s) => ({
    subject: `"${s.title}" is ready for you`,
    lines: s.facts.autoRent
      ? [`A copy of "${s.title}" you placed a hold on is ready.`, 'You asked for automatic rental, so we are renting it for you now.']
      : [`A copy of "${s.title}" you placed a hold on is ready.`, `Rent it by ${s.until}, or the hold expires.`],
  }),
  HOLD_EXPIRED: (s) => ({ subject: `Your hold on "${s.title}" expired`, lines: [`Your hold on "${s.title}" expired: the copy was not rented by ${s.until}.`] }),
};

const TEMPLATES: Record<Locale, Record<NotificationKind, Template>> = { ko: KO, en: EN };
const GREETING: Record<Locale, (name: string) => string> = { ko: (n) => `${n}님, 안녕하세요.`, en: (n) => `Hello ${n},` };
const SIGNATURE: Record<Locale, string> = { ko: '— 전자책 대여 서비스', en: '— E-book Rental' };

/**
 * Renders a message in the customer's language: subject, and a body of greeting, the
 * template's lines and a signature (plain text, lines separated by `\n`).
 * @throws RangeError when a date fact is not a valid ISO-8601 date.
 */
export function renderMessage(kind: NotificationKind, facts: Facts, ctx: MessageContext): RenderedMessage {
  const l = ctx.locale;
  const slots: Slots = {
    name: ctx.customerName,
    title: ctx.bookTitle,
    due: facts.dueAt ? formatDate(facts.dueAt, l) : '',
    amount: facts.amount !== undefined ? formatKrw(facts.amount, l) : '',
    until: facts.readyUntil ? formatDate(facts.readyUntil, l) : '',
    facts,
  };
  const { subject, lines } = TEMPLATES[l][kind](slots);
  return { subject, body: [GREETING[l](ctx.customerName), '', ...lines, '', SIGNATURE[l]].join('\n') };
}
