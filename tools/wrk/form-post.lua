-- wrk script: POST one urlencoded form over and over on keep-alive connections (the token endpoint's requests).
--   WRK_FORM='grant_type=...&client_id=...' wrk -t1 -c4 -d15s --latency -s tools/wrk/form-post.lua \
--       http://localhost:8080/realms/vre/protocol/openid-connect/token
-- WRK_FORM      the request body, urlencoded (required)
-- WRK_DELAY_MS  optional pause of each connection between its requests, for a paced load (the soak)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.body = os.getenv("WRK_FORM") or error("set WRK_FORM to the urlencoded request body")

local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end
