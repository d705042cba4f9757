-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

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
CREATE TABLE "rental_status" (
    "rentalId" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "paymentStatus" TEXT,
    "bookId" UUID,
    "bookTitle" TEXT,
    "customerId" UUID,
    "customerName" TEXT,
    "fee" INTEGER,
    "rentedAt" TIMESTAMP(3),
    "dueAt" TIMESTAMP(3),
    "returnedAt" TIMESTAMP(3),
    "canceledAt" TIMESTAMP(3),
    "correlationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "rental_status_pkey" PRIMARY KEY ("rentalId")
);

-- CreateTable
CREATE TABLE "view_customer" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "view_customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "view_book" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "view_book_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_eventId_key" ON "outbox_event"("eventId");

-- CreateIndex
CREATE INDEX "outbox_event_publishedAt_seq_idx" ON "outbox_event"("publishedAt", "seq");

-- CreateIndex
CREATE INDEX "rental_status_customerId_idx" ON "rental_status"("customerId");

-- CreateIndex
CREATE INDEX "rental_status_bookId_idx" ON "rental_status"("bookId");

