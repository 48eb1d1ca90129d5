-- The leaderboard mixes, limit 20. BENCH_LEADERBOARD_MODE=top: the top page (one static request, also the
-- request the bare Bun.serve baseline is driven with); around: the page around a random player.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua").install()

local mode = os.getenv("BENCH_LEADERBOARD_MODE") or "top"
local players = tonumber(os.getenv("BENCH_PLAYERS") or "1")

wrk.path = "/api/v1/achievements/leaderboard?limit=20&offset=0"

if mode == "around" then
  function request()
    return wrk.format("GET", "/api/v1/achievements/leaderboard?limit=20&around_user=p" .. math.random(players))
  end
end
