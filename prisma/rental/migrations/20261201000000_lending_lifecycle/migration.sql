-- Lending lifecycle: loans expire at their due date (EXPIRED), a due-soon notice once per loan.
-- AlterEnum
ALTER TYPE "RentalState" ADD VALUE 'EXPIRED';

-- AlterTable
ALTER TABLE "rental" ADD COLUMN     "dueSoonNotifiedAt" TIMESTAMP(3),
ADD COLUMN     "expiredAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "rental_status_dueAt_idx" ON "rental"("status", "dueAt");

