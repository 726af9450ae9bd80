-- POST /api/auth/login as a different seeded user each time (all share the seed command's password).
-- EMAILS_FILE: one email per line.
local emails = {}
for line in io.lines(os.getenv("EMAILS_FILE")) do
  emails[#emails + 1] = line
end
local next_index = math.random(#emails)

request = function()
  next_index = next_index % #emails + 1
  local body = '{"email":"' .. emails[next_index] .. '","password":"seeded-password"}'
  return wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" }, body)
end
