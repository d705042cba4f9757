import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RentalStatus } from '../api/types';
import { useFormat } from '../format';
import { StatusBadge } from './StatusBadge';

/**
 * A rental's state and payment as badges, then its fee, rental time and (while RENTED) due date;
 * `badges` and `dates` add to each line (a customer's and a manager's rental rows share it).
 */
export function RentalFacts({ rental, badges, dates }: { rental: RentalStatus; badges?: ReactNode; dates?: ReactNode }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <>
      <p className="states">
        <StatusBadge status={rental.status} />
        {rental.paymentStatus && (
          <span className="payment">
            {t('rentals.payment')} <StatusBadge status={rental.paymentStatus} />
          </span>
        )}
        {badges}
      </p>
      <p className="meta">
        {rental.fee !== null && <span>{t('rentals.fee', { fee: fmt.krw(rental.fee) })}</span>}
        {rental.rentedAt && <span>{t('rentals.rentedAt', { date: fmt.date(rental.rentedAt) })}</span>}
        {rental.dueAt && rental.status === 'RENTED' && <span>{t('rentals.dueAt', { date: fmt.date(rental.dueAt) })}</span>}
        {dates}
      </p>
    </>
  );
}
