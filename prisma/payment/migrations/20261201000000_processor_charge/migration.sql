-- The simulated payment processor's books: one charge per idempotency key (the rental id).
-- CreateTable
CREATE TABLE "processor_charge" (
    "idempotencyKey" TEXT NOT NULL,
    "customerId" UUID NOT NULL,
    "amount" INTEGER NOT NULL,
    "approved" BOOLEAN NOT NULL,
    "declineReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "chargedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refundedAt" TIMESTAMP(3),

    CONSTRAINT "processor_charge_pkey" PRIMARY KEY ("idempotencyKey")
);

