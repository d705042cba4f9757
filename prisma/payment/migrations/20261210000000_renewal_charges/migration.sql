-- Renewal charges: a rental has its rent charge (renewalId = the nil uuid, which every existing row gets) and one charge per renewal, idempotent on (rentalId, renewalId).
-- DropIndex
DROP INDEX "payment_rentalId_key";

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "renewalId" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';

-- CreateIndex
CREATE UNIQUE INDEX "payment_rentalId_renewalId_key" ON "payment"("rentalId", "renewalId");

