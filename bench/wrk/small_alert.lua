-- Small alerts, new ones each time, in the shape of the target: alertgate's
-- generic source, Prometheus Alertmanager's API, or Alertmanager's own
-- webhook notification (version 4) as it posts it to alertgate's
-- alertmanager source; <batch> per request (all take several).
--   wrk ... -s small_alert.lua URL -- <path> <generic|alertmanager|am_webhook> <run id> [batch]
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path, kind, run = args[1], args[2], args[3] or "run"
  batch = tonumber(args[4] or "1")
end

local function alert(key)
  if kind == "am_webhook" then
    return '{"status":"firing","labels":{"alertname":"DiskFull","instance":"' .. key ..
           '","severity":"critical"},"annotations":{"summary":"Disk full on host"},' ..
           '"startsAt":"2026-12-02T05:48:46Z","endsAt":"0001-01-01T00:00:00Z",' ..
           '"generatorURL":"http://prometheus.example.internal:9090/graph","fingerprint":"' ..
           key .. '"}'
  end
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
  if kind == "am_webhook" then
    local alerts = {}
    for i = 1, batch do alerts[i] = alert(key .. "-" .. i) end
    body = '{"receiver":"alertgate","status":"firing","alerts":[' ..
           table.concat(alerts, ",") .. '],"groupLabels":{"alertname":"DiskFull"},' ..
           '"commonLabels":{"alertname":"DiskFull"},"commonAnnotations":{},' ..
           '"externalURL":"http://alertmanager.example.internal:9093","version":"4",' ..
           '"groupKey":"{}:{alertname=\\"DiskFull\\"}","truncatedAlerts":0}'
  elseif batch == 1 and kind ~= "alertmanager" then
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
