-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RentalState" AS ENUM ('PENDING_PAYMENT', 'RENTED', 'CANCELED', 'RETURNED', 'PAYMENT_DECLINED', 'PAYMENT_FAILED');

-- CreateTable
CREATE TABLE "outbox_event" (
    "seq" BIGSERIAL NOT NULL,
    "eventId" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "aggregateId" TEXT NOT NULL,
    "envelope" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "inbox_event" (
    "consumer" TEXT NOT NULL,
    "eventId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "handledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_event_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateTable
CREATE TABLE "book_replica" (
    "bookId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "rentalFee" INTEGER NOT NULL,
    "licensedCopies" INTEGER NOT NULL,
    "activeRentals" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "book_replica_pkey" PRIMARY KEY ("bookId")
);

-- CreateTable
CREATE TABLE "rental" (
    "id" UUID NOT NULL,
    "bookId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "status" "RentalState" NOT NULL,
    "fee" INTEGER NOT NULL,
    "activeKey" TEXT,
    "paymentId" UUID,
    "rentedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dueAt" TIMESTAMP(3),
    "returnedAt" TIMESTAMP(3),
    "canceledAt" TIMESTAMP(3),
    "correlationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "rental_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_eventId_key" ON "outbox_event"("eventId");

-- CreateIndex
CREATE INDEX "outbox_event_publishedAt_seq_idx" ON "outbox_event"("publishedAt", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "rental_activeKey_key" ON "rental"("activeKey");

-- CreateIndex
CREATE INDEX "rental_customerId_idx" ON "rental"("customerId");

-- CreateIndex
CREATE INDEX "rental_bookId_idx" ON "rental"("bookId");


-- Defense in depth for the availability rule (rental/src/application/rent-book.ts).
ALTER TABLE "book_replica" ADD CONSTRAINT "book_replica_active_rentals_nonnegative" CHECK ("activeRentals" >= 0);
