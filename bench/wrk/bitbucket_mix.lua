-- Real Bitbucket deliveries (tests/fixtures/bitbucket): pushes, pull
-- request creations and their merges, each request with a unique delivery id.
--   wrk ... -s bitbucket_mix.lua URL -- <path> <fixtures dir> <run id>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

local mix = {
  {"repo:push", "cloud/repo_push.branch.json"},
  {"pullrequest:created", "cloud/pullrequest_created.json"},
  {"repo:push", "cloud/repo_push.multiple_commits.json"},
  {"pullrequest:fulfilled", "cloud/pullrequest_fulfilled.json"},
  {"repo:refs_changed", "server/repo_refs_changed.dc10_update.json"},
  {"repo:push", "cloud/repo_push.branch.json"},
}
local deliveries = {}

function init(args)
  path, dir, run = args[1], args[2], args[3] or "run"
  for i, entry in ipairs(mix) do
    local file = assert(io.open(dir .. "/" .. entry[2], "rb"))
    deliveries[i] = {event = entry[1], body = file:read("*a")}
    file:close()
  end
end

function request()
  counter = counter + 1
  local d = deliveries[(counter % #deliveries) + 1]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Event-Key"] = d.event,
    ["X-Request-UUID"] = run .. "-" .. id .. "-" .. counter,
  }, d.body)
end
