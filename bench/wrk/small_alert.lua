-- One small alert per request, a new one each time, in the shape of the
-- target: alertgate's generic source or Prometheus Alertmanager's API.
--   wrk ... -s small_alert.lua URL -- <path> <generic|alertmanager> <run id>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path, kind, run = args[1], args[2], args[3] or "run"
end

function request()
  counter = counter + 1
  local key = run .. "-" .. id .. "-" .. counter
  local body
  if kind == "alertmanager" then
    body = '[{"labels":{"alertname":"DiskFull","instance":"' .. key ..
           '"},"annotations":{"summary":"Disk full on host"}}]'
  else
    body = '{"status":"trigger","event_id":"' .. key ..
           '","message":"Disk full on host","severity":"critical"}'
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end
