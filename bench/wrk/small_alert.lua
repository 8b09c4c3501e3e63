-- Small alerts, new ones each time, in the shape of the target: alertgate's
-- generic source or Prometheus Alertmanager's API; <batch> per request (both
-- take arrays).
--   wrk ... -s small_alert.lua URL -- <path> <generic|alertmanager> <run id> [batch]
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path, kind, run = args[1], args[2], args[3] or "run"
  batch = tonumber(args[4] or "1")
end

local function alert(key)
  if kind == "alertmanager" then
    return '{"labels":{"alertname":"DiskFull","instance":"' .. key ..
           '"},"annotations":{"summary":"Disk full on host"}}'
  end
  return '{"status":"trigger","event_id":"' .. key ..
         '","message":"Disk full on host","severity":"critical"}'
end

function request()
  counter = counter + 1
  local key = run .. "-" .. id .. "-" .. counter
  local body
  if batch == 1 and kind ~= "alertmanager" then
    body = alert(key)
  else
    local alerts = {}
    for i = 1, batch do alerts[i] = alert(key .. "-" .. i) end
    body = "[" .. table.concat(alerts, ",") .. "]"
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end
