-- OAuth 2.1 / OpenID Connect authorization server storage (oidc-provider adapter).
CREATE TABLE "oidc_payload" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "grantId" TEXT,
    "userCode" TEXT,
    "uid" TEXT,
    "expiresAt" TIMESTAMP(3),
    "consumedAt" TIMESTAMP(3),

    CONSTRAINT "oidc_payload_pkey" PRIMARY KEY ("model","id")
);

CREATE INDEX "oidc_payload_grantId_idx" ON "oidc_payload"("grantId");
CREATE INDEX "oidc_payload_uid_idx" ON "oidc_payload"("uid");
CREATE INDEX "oidc_payload_expiresAt_idx" ON "oidc_payload"("expiresAt");
