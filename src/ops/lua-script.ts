import type Redis from 'ioredis'

/** A Redis Lua script run by its SHA1, sent whole only when Redis does not have it (NOSCRIPT). */
export class LuaScript {
  readonly sha: string

  constructor(readonly source: string) {
    this.sha = new Bun.CryptoHasher('sha1').update(source).digest('hex')
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (error) {
      // After a Redis restart or a SCRIPT FLUSH the script cache is empty.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(this.source, keys.length, ...keys, ...args)
    }
  }
}
