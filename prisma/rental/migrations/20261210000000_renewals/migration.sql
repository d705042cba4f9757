-- Renewals: how many times a loan was renewed, and the renewal being paid for (one at a time).
-- AlterTable
ALTER TABLE "rental" ADD COLUMN     "pendingRenewalId" UUID,
ADD COLUMN     "renewals" INTEGER NOT NULL DEFAULT 0;

