import { afterEach, describe, expect, test } from 'bun:test'
import { toUserProfile, UserServiceClient } from '../../src/users/client'
import { CachingUserDirectory, createUserDirectory, DEFAULT_USER_DIRECTORY_OPTIONS } from '../../src/users/directory'
import { NoUserDirectory } from '../../src/users/model'

describe('user directory', () => {
  const servers: { stop(force?: boolean): void }[] = []
  afterEach(() => {
    for (const server of servers.splice(0)) server.stop(true)
  })

  test('profile fields: display_name, falling back to full_name; blanks and non-strings are null', () => {
    expect(toUserProfile({ username: 'neo', display_name: 'Neo', full_name: 'Thomas Anderson' })).toEqual({ username: 'neo', displayName: 'Neo' })
    expect(toUserProfile({ username: 'neo', display_name: '', full_name: 'Thomas Anderson' })).toEqual({ username: 'neo', displayName: 'Thomas Anderson' })
    expect(toUserProfile({ username: 7, full_name: null })).toEqual({ username: null, displayName: null })
    expect(toUserProfile(null)).toEqual({ username: null, displayName: null })
  })

  test('without USER_SERVICE_URL nothing is called and names are unknown', async () => {
    const directory = createUserDirectory(null)
    expect(directory).toBeInstanceOf(NoUserDirectory)
    expect((await directory.profiles(['a', 'b'])).size).toBe(0)
  })

  test('lookups run with a concurrency bound, once per id, and unknown ids are cached too', async () => {
    let active = 0
    let maxActive = 0
    let calls = 0
    const server = Bun.serve({
      port: 0,
      async fetch(request) {
        calls += 1
        active += 1
        maxActive = Math.max(maxActive, active)
        await Bun.sleep(5)
        active -= 1
        const id = decodeURIComponent(new URL(request.url).pathname.split('/').pop()!)
        return id.startsWith('ghost') ? new Response('{}', { status: 404 }) : Response.json({ username: id })
      },
    })
    servers.push(server)
    const directory = new CachingUserDirectory(new UserServiceClient(`http://127.0.0.1:${server.port}`), {
      ...DEFAULT_USER_DIRECTORY_OPTIONS,
      concurrency: 4,
      budgetMs: 2_000,
    })
    const ids = [...Array.from({ length: 30 }, (_, i) => `u:${i}`), 'ghost-1', 'u:0', 'u:1']
    const [first, concurrent] = await Promise.all([directory.profiles(ids), directory.profiles(ids)])
    expect(maxActive).toBeLessThanOrEqual(4)
    expect(calls).toBe(31)
    expect(first.get('u:7')).toEqual({ username: 'u:7', displayName: null })
    expect(concurrent.get('u:7')).toEqual({ username: 'u:7', displayName: null })
    expect(first.has('ghost-1')).toBe(false)
    await directory.profiles(ids)
    expect(calls).toBe(31)
  })

  test('bounded by maxEntries: the least recently used id is evicted, a recently read one is kept', async () => {
    const looked: string[] = []
    const server = Bun.serve({
      port: 0,
      fetch(request) {
        const id = decodeURIComponent(new URL(request.url).pathname.split('/').pop()!)
        looked.push(id)
        return Response.json({ username: id })
      },
    })
    servers.push(server)
    const directory = new CachingUserDirectory(new UserServiceClient(`http://127.0.0.1:${server.port}`), {
      ...DEFAULT_USER_DIRECTORY_OPTIONS,
      budgetMs: 2_000,
      maxEntries: 3,
    })
    await directory.profiles(['a', 'b', 'c'])
    await directory.profiles(['a']) // a is now more recent than b and c
    await directory.profiles(['d']) // evicts b
    expect(looked.sort()).toEqual(['a', 'b', 'c', 'd'])
    const known = await directory.profiles(['a', 'c', 'd'])
    expect([...known.keys()]).toEqual(['a', 'c', 'd'])
    expect(looked).toHaveLength(4)
    expect((await directory.profiles(['b'])).get('b')).toEqual({ username: 'b', displayName: null })
    expect(looked).toHaveLength(5)
  })
})
