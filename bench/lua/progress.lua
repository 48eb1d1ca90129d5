-- The progress mix: a random player of BENCH_PLAYERS, 1-3 updates per post (batch form, distinct codes,
-- progress_delta 1-3), 20% with a score_bonus, 5% with a unique Idempotency-Key.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua").install()

local players = tonumber(os.getenv("BENCH_PLAYERS"))
local achievements = tonumber(os.getenv("BENCH_ACHIEVEMENTS"))
local run_id = os.getenv("BENCH_RUN_ID")
local keys_sent = 0
local headers = { ["Content-Type"] = "application/json" }
local keyed_headers = { ["Content-Type"] = "application/json" }

local function item(n)
  return string.format('{"achievement_code":"bench-%02d","progress_delta":%d}', n, math.random(3))
end

function request()
  local a = math.random(achievements)
  local count = math.random(3)
  local items = { item(a) }
  local b = a
  if count >= 2 then
    repeat b = math.random(achievements) until b ~= a
    items[2] = item(b)
  end
  if count == 3 then
    local c
    repeat c = math.random(achievements) until c ~= a and c ~= b
    items[3] = item(c)
  end
  local body = '{"updates":[' .. table.concat(items, ",") .. ']'
  if math.random() < 0.2 then
    body = body .. ',"score_bonus":' .. math.random(500)
  end
  body = body .. '}'
  local path = "/api/v1/achievements/users/p" .. math.random(players) .. "/progress"
  if math.random() < 0.05 then
    keys_sent = keys_sent + 1
    keyed_headers["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. keys_sent
    return wrk.format("POST", path, keyed_headers, body)
  end
  return wrk.format("POST", path, headers, body)
end
