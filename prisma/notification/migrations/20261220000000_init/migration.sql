-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('RENTED', 'RENEWED', 'CANCELED', 'REFUNDED', 'RETURNED', 'DUE_SOON', 'EXPIRED', 'PAYMENT_FAILED', 'HOLD_PLACED', 'HOLD_READY', 'HOLD_EXPIRED');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'DEAD', 'SKIPPED');

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
CREATE TABLE "notification" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "eventId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "facts" JSONB NOT NULL,
    "subject" TEXT,
    "body" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery" (
    "id" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "notificationId" UUID NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notify_customer" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "locale" TEXT NOT NULL DEFAULT 'ko',

    CONSTRAINT "notify_customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notify_book" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "notify_book_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notify_rental" (
    "rentalId" UUID NOT NULL,
    "bookId" UUID NOT NULL,

    CONSTRAINT "notify_rental_pkey" PRIMARY KEY ("rentalId")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_eventId_key" ON "outbox_event"("eventId");

-- CreateIndex
CREATE INDEX "outbox_event_publishedAt_seq_idx" ON "outbox_event"("publishedAt", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "notification_seq_key" ON "notification"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "notification_eventId_key" ON "notification"("eventId");

-- CreateIndex
CREATE INDEX "notification_customerId_createdAt_idx" ON "notification"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "notification_customerId_seq_idx" ON "notification"("customerId", "seq");

-- CreateIndex
CREATE INDEX "delivery_status_nextAttemptAt_idx" ON "delivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_eventId_channel_key" ON "delivery"("eventId", "channel");

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "notification"("id") ON DELETE CASCADE ON UPDATE CASCADE;
