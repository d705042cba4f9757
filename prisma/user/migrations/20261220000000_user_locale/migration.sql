-- CreateEnum
CREATE TYPE "Locale" AS ENUM ('ko', 'en');

-- AlterTable
ALTER TABLE "user_account" ADD COLUMN     "locale" "Locale" NOT NULL DEFAULT 'ko';
