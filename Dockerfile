# Achievement service: Bun + Elysia. Migrations ship in the image and are applied by the app at start.
# Build: docker build -t achievement-service .
# Run:   docker run -p 8011:8011 -e ACHIEVEMENT_AUTH_DISABLED=true achievement-service   (embedded SQLite)

FROM oven/bun:1.4 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# Runtime dependencies only (drizzle-kit, typescript and the test tools are devDependencies).
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4 AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8011 \
    ACHIEVEMENT_MIGRATIONS_DIR=/app/drizzle
# Read by the runtime at start (src/ops/runtime-env.ts): the allocator keeps freed pages instead of returning them,
# and the garbage collector sizes its cycles as for a 512 MiB container, not for the host's RAM.
ENV MIMALLOC_PURGE_DELAY=-1 \
    BUN_JSC_forceRAMSize=536870912
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock bunfig.toml tsconfig.json ./
COPY src ./src
COPY drizzle ./drizzle
# The embedded SQLite default writes ./data/achievements.db: give the unprivileged user that folder only.
RUN mkdir -p /app/data && chown bun:bun /app/data
VOLUME ["/app/data"]
USER bun
EXPOSE 8011
# The image has no curl: ask Bun itself. /health answers 200 while the process runs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8011) + '/health', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Bun is PID 1 and gets SIGTERM directly from `docker stop`: the service drains in-flight work before exiting.
STOPSIGNAL SIGTERM
CMD ["bun", "run", "src/main.ts"]
