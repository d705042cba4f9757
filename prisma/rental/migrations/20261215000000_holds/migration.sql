-- Holds: the queue of customers waiting for a book, and copies reserved for READY offers.
-- CreateEnum
CREATE TYPE "HoldState" AS ENUM ('WAITING', 'SUSPENDED', 'READY', 'FULFILLED', 'CANCELED', 'EXPIRED');

-- AlterTable
ALTER TABLE "book_replica" ADD COLUMN     "reservedCopies" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "hold" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "bookId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "status" "HoldState" NOT NULL,
    "autoRent" BOOLEAN NOT NULL DEFAULT false,
    "placedAt" TIMESTAMP(3) NOT NULL,
    "readyAt" TIMESTAMP(3),
    "readyUntil" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "rentalId" UUID,
    "autoRentTriedAt" TIMESTAMP(3),
    "activeKey" TEXT,
    "correlationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "hold_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "hold_activeKey_key" ON "hold"("activeKey");

-- CreateIndex
CREATE INDEX "hold_bookId_status_seq_idx" ON "hold"("bookId", "status", "seq");

-- CreateIndex
CREATE INDEX "hold_customerId_status_idx" ON "hold"("customerId", "status");

-- CreateIndex
CREATE INDEX "hold_status_readyUntil_idx" ON "hold"("status", "readyUntil");
