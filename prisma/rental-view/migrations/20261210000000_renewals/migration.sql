-- Renewals of a loan, from RentalRenewed.
-- AlterTable
ALTER TABLE "rental_status" ADD COLUMN     "renewals" INTEGER NOT NULL DEFAULT 0;

