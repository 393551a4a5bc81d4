-- wrk script: the picker's search as typed, one query after the other from a fixed list (prefixes of names, a word
-- and a number, a domain), against /realms/{realm}/institutions — the request each keystroke sends.
--   WRK_CLIENT=jupyterhub wrk -t1 -c1 -d15s --latency -s tools/wrk/picker-search.lua http://localhost:8080
-- WRK_CLIENT   the client whose institution rules apply (required)
-- WRK_REALM    the realm (default vre)
-- WRK_QUERIES  optional comma-separated queries, urlencoded (default: the lab federation's names and domains)
local client = os.getenv("WRK_CLIENT") or error("set WRK_CLIENT to the client_id whose picker is searched")
local realm = os.getenv("WRK_REALM") or "vre"
local list = os.getenv("WRK_QUERIES")
  or "u,un,uni,univ,climate,climate%20u,solar,physics%20inst,10005,inst10234"
local queries = {}
for query in string.gmatch(list, "[^,]+") do
  queries[#queries + 1] = query
end
wrk.headers["Accept"] = "application/json"

local next = 0
function request()
  next = next % #queries + 1
  return wrk.format("GET", "/realms/" .. realm .. "/institutions?client_id=" .. client .. "&q=" .. queries[next])
end
