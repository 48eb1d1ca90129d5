import { LuaScript } from '../ops/lua-script'

/**
 * The leaderboard's Redis scripts. Scripts run atomically, so a page, a write batch or a rebuild's last step
 * never sees a half-applied change. Standalone Redis only: the scripts reach the rebuild's temporary key by name.
 */

/**
 * A batch of writes. KEYS: board, marker, rebuild. ARGV: lease ms, then user, total pairs.
 * ZADD GT with the absolute total: a retried, duplicated or out-of-order write never lowers or doubles a
 * score. During a rebuild the write also goes to the temporary key, so the RENAME loses nothing.
 * Returns {marker exists, rank of each write}; the rank does not count the player itself when the set
 * already holds a higher total for it (an out-of-order write).
 */
export const WRITE_SCRIPT = new LuaScript(`
local board, marker, rebuild = KEYS[1], KEYS[2], KEYS[3]
local temporary = redis.call('GET', rebuild)
local out = { redis.call('EXISTS', marker) }
for i = 2, #ARGV, 2 do
  local user, total = ARGV[i], ARGV[i + 1]
  redis.call('ZADD', board, 'GT', total, user)
  if temporary then redis.call('ZADD', temporary, 'GT', total, user) end
  local above = redis.call('ZCOUNT', board, '(' .. total, '+inf')
  local current = tonumber(redis.call('ZSCORE', board, user))
  if current and current > tonumber(total) then above = above - 1 end
  out[#out + 1] = above + 1
end
if temporary then redis.call('PEXPIRE', temporary, ARGV[1]) end
return out
`)

/**
 * A page. KEYS: board, marker. ARGV: 'page', offset, limit | 'around', user id, limit.
 * Returns {-1} when the marker is missing, else {total, offset, user, score, rank, user, score, rank, ...}.
 * ZREVRANGE orders equal scores by member descending; the contract wants them ascending. The page is read once
 * with ZREVRANGE and cut into runs of equal score. A run with a higher score before it and a lower score after
 * it on the page is its whole tie group: its members are the ZREVRANGE ones, reversed, and its rank is its
 * position + 1. Only the runs at the page's edges may be part of a larger tie group: the first run's rank comes
 * from one ZCOUNT, and an edge run's members from ZRANGEBYSCORE (ties ascending) at the run's place in its
 * group. So a page costs a fixed handful of calls, however many distinct scores it holds.
 */
export const READ_SCRIPT = new LuaScript(`
local board, marker = KEYS[1], KEYS[2]
if redis.call('EXISTS', marker) == 0 then return { -1 } end
local limit = tonumber(ARGV[3])
local total = redis.call('ZCARD', board)
local offset = 0
if ARGV[1] == 'around' then
  local score = redis.call('ZSCORE', board, ARGV[2])
  if score then
    local above = redis.call('ZCOUNT', board, '(' .. score, '+inf')
    local same = redis.call('ZCOUNT', board, score, score)
    local after = redis.call('ZREVRANK', board, ARGV[2]) - above
    local position = above + (same - 1 - after)
    offset = position - math.floor((limit - 1) / 2)
    if offset > total - limit then offset = total - limit end
    if offset < 0 then offset = 0 end
  end
else
  offset = tonumber(ARGV[2])
end
local out = { total, offset }
local raw = redis.call('ZREVRANGE', board, offset, offset + limit - 1, 'WITHSCORES')
local n = #raw / 2
-- Whether the page's last run may go on below the page (not when the page reaches the end of the board).
local lastCut = offset + n < total
local i = 1
while i <= n do
  local score = raw[2 * i]
  local j = i
  while j < n and raw[2 * (j + 1)] == score do j = j + 1 end
  local above = offset + i - 1
  if i == 1 then above = redis.call('ZCOUNT', board, '(' .. score, '+inf') end
  if above < offset + i - 1 or (j == n and lastCut) then
    local members = redis.call('ZRANGEBYSCORE', board, score, score, 'LIMIT', offset + i - 1 - above, j - i + 1)
    for k = 1, #members do
      out[#out + 1] = members[k]
      out[#out + 1] = score
      out[#out + 1] = above + 1
    end
  else
    for k = j, i, -1 do
      out[#out + 1] = raw[2 * k - 1]
      out[#out + 1] = score
      out[#out + 1] = above + 1
    end
  end
  i = j + 1
end
return out
`)

/** A rank for a read. KEYS: board, marker. ARGV: user, total. Returns -1 when the marker is missing. */
export const RANK_SCRIPT = new LuaScript(`
local board, marker = KEYS[1], KEYS[2]
if redis.call('EXISTS', marker) == 0 then return -1 end
local above = redis.call('ZCOUNT', board, '(' .. ARGV[2], '+inf')
local current = tonumber(redis.call('ZSCORE', board, ARGV[1]))
if current and current > tonumber(ARGV[2]) then above = above - 1 end
return above + 1
`)

/**
 * One chunk of a rebuild. KEYS: rebuild, temporary. ARGV: token, lease ms, then total, user pairs.
 * Returns 0 when the rebuild lock is no longer ours.
 */
export const REBUILD_CHUNK_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV > 2 then redis.call('ZADD', KEYS[2], 'GT', unpack(ARGV, 3)) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
`)

/**
 * The last step of a rebuild: the temporary key replaces the board, the lock goes, the marker is set.
 * KEYS: board, marker, rebuild, temporary. ARGV: token, marker value. Returns 0 when the lock is not ours.
 */
export const REBUILD_FINISH_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('RENAME', KEYS[4], KEYS[1])
  redis.call('PERSIST', KEYS[1])
else
  redis.call('DEL', KEYS[1])
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[2], ARGV[2])
return 1
`)

/** Gives up a rebuild: drops its lock and temporary key if they are still ours. KEYS: rebuild, temporary. ARGV: token. */
export const REBUILD_ABORT_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`)
