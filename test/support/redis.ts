/** The Redis server the machine runs (CI starts it), shared by the tests that need no server of their own. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
